/**
 * @module zod schemas for the shared shapes and inputs of API.md.
 */
import {
  ASPECT_RATIOS,
  OUTPUT_FORMATS,
  PROVIDER_NAMES,
  RESOLUTIONS,
  STRATEGIES,
  VIDEO_ASPECT_RATIOS,
  VIDEO_RESOLUTIONS,
} from '@nbl/providers'
import { z } from 'zod'

/** Ten megabytes of image, base64-encoded, plus a `data:` header. */
export const MAX_REFERENCE_IMAGE_BYTES = 10 * 1024 * 1024
const MAX_DATA_URL_LENGTH = Math.ceil((MAX_REFERENCE_IMAGE_BYTES * 4) / 3) + 64

export const idSchema = z.string().min(1).max(64)
export const resolutionSchema = z.enum(RESOLUTIONS)
export const aspectRatioSchema = z.enum(ASPECT_RATIOS)
export const providerSchema = z.enum(PROVIDER_NAMES)
export const strategySchema = z.enum(STRATEGIES)
export const outputFormatSchema = z.enum(OUTPUT_FORMATS)

export const imageRefSchema = z.union([
  z.strictObject({ imageId: idSchema }),
  z.strictObject({ url: z.url({ protocol: /^https$/, hostname: z.regexes.domain }).max(2048) }),
  z.strictObject({
    dataUrl: z
      .string()
      .max(MAX_DATA_URL_LENGTH, 'a data URL may carry at most 10 MB')
      .regex(
        /^data:image\/(png|jpeg|webp);base64,[A-Za-z0-9+/=\s]+$/,
        'expected data:image/(png|jpeg|webp);base64,…',
      ),
  }),
])
export type ImageRef = z.infer<typeof imageRefSchema>

export const generateImageFields = {
  prompt: z.string().trim().min(1).max(4000),
  negativePrompt: z.string().trim().max(4000).optional(),
  resolution: resolutionSchema.default('1K'),
  aspectRatio: aspectRatioSchema.default('1:1'),
  count: z.number().int().min(1).max(4).default(1),
  seed: z.number().int().min(0).max(4_294_967_295).optional(),
  provider: providerSchema.optional(),
  strategy: strategySchema.optional(),
  referenceImages: z.array(imageRefSchema).max(4).default([]),
  outputFormat: outputFormatSchema.default('png'),
  projectId: idSchema.optional(),
}

export const generateImageInput = z.strictObject({
  ...generateImageFields,
  idempotencyKey: z.string().min(1).max(200).optional(),
})
export type GenerateImageInput = z.infer<typeof generateImageInput>

/**
 * generate.image / generate.search as called: resolution, aspect ratio and output format carry no
 * schema default here, so the caller's saved defaults (account.settings) can fill what was omitted;
 * the core resolves `input ?? saved ?? built-in default` into a GenerateImageInput.
 */
export const generateImageRequestInput = generateImageInput.extend({
  resolution: resolutionSchema.optional(),
  aspectRatio: aspectRatioSchema.optional(),
  outputFormat: outputFormatSchema.optional(),
})
export type GenerateImageRequestInput = z.infer<typeof generateImageRequestInput>

export const listInput = z.strictObject({
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z.string().max(512).optional(),
})

export interface ListOutput<T> {
  items: T[]
  nextCursor: string | null
}

export const idempotencyKeySchema = z.string().min(1).max(200)

export const generateVideoInput = z.strictObject({
  prompt: z.string().trim().min(1).max(4000),
  durationSec: z.union([z.literal(5), z.literal(10)]).default(5),
  aspectRatio: z.enum(VIDEO_ASPECT_RATIOS).default('16:9'),
  resolution: z.enum(VIDEO_RESOLUTIONS).default('720p'),
  /** Image-to-video: the first frame, one of the caller's images. */
  imageId: idSchema.optional(),
  provider: providerSchema.optional(),
  strategy: strategySchema.optional(),
  idempotencyKey: idempotencyKeySchema.optional(),
})
export type GenerateVideoInput = z.infer<typeof generateVideoInput>

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'partial', 'failed', 'canceled'] as const
export const jobIdInput = z.strictObject({ jobId: idSchema })

export const generateBatchInput = z.strictObject({
  items: z.array(z.strictObject(generateImageFields)).min(1).max(100),
  /** Items of this batch in flight at once. */
  concurrency: z.number().int().min(1).max(16).default(4),
  idempotencyKey: idempotencyKeySchema.optional(),
})
export type GenerateBatchInput = z.infer<typeof generateBatchInput>
