/**
 * @module The `generate` router: image generation (plain and search-grounded).
 */

import { generateBatchInput, generateImageRequestInput, generateVideoInput } from '../schemas.js'
import { generateImageCore } from '../services/generation/generate-image.js'
import { submitBatchCore } from '../services/jobs/submit-batch.js'
import { submitVideoCore } from '../services/jobs/submit-video.js'
import { authedProcedure, router } from '../trpc.js'
import { jobsRouter } from './jobs.js'

export const generateRouter = router({
  image: authedProcedure
    .input(generateImageRequestInput)
    .mutation(({ input, ctx }) => generateImageCore(input, ctx, { searchGrounding: false, kind: 'image' })),

  /** generate.image with Google Search grounding: only providers that ground are candidates. */
  search: authedProcedure.input(generateImageRequestInput).mutation(async ({ input, ctx }) => {
    const result = await generateImageCore(input, ctx, { searchGrounding: true, kind: 'search' })
    return { ...result, grounding: result.grounding ?? { queries: [], sources: [] } }
  }),

  /** Submits up to 100 image requests as one job; follow it with generate.jobs.get or .events. */
  batch: authedProcedure.input(generateBatchInput).mutation(({ input, ctx }) => submitBatchCore(input, ctx)),

  /** Submits a video job and returns at once; follow it with generate.jobs.get. */
  video: authedProcedure.input(generateVideoInput).mutation(({ input, ctx }) => submitVideoCore(input, ctx)),

  jobs: jobsRouter,
})
