/**
 * @module The `generate` router: image generation (plain and search-grounded).
 */

import { generateImageInput } from '../schemas.js'
import { generateImageCore } from '../services/generation/generate-image.js'
import { authedProcedure, router } from '../trpc.js'

export const generateRouter = router({
  image: authedProcedure
    .input(generateImageInput)
    .mutation(({ input, ctx }) => generateImageCore(input, ctx, { searchGrounding: false, kind: 'image' })),
})
