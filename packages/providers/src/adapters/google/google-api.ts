/**
 * @module Gemini API wire shapes: the request bodies we send (camelCase, as the official SDKs do) and
 * minimal response schemas holding only the fields the adapters read (providers.md §1.3–§1.10).
 */
import { z } from 'zod'

// --- Requests -----------------------------------------------------------------------------------

export interface GooglePart {
  text?: string
  /** Base64 without a `data:` prefix. */
  inlineData?: { mimeType: string; data: string }
  thoughtSignature?: string
}

export interface GoogleContent {
  role: 'user' | 'model'
  parts: GooglePart[]
}

export interface GenerateContentRequest {
  contents: GoogleContent[]
  generationConfig: {
    responseModalities: ('TEXT' | 'IMAGE')[]
    imageConfig: { aspectRatio: string; imageSize?: string }
    seed?: number
  }
  tools?: { googleSearch: Record<string, never> }[]
}

export interface PredictLongRunningRequest {
  instances: [{ prompt: string; image?: { bytesBase64Encoded: string; mimeType: string } }]
  parameters: { aspectRatio: string; resolution: string; durationSeconds: number }
}

// --- Responses ----------------------------------------------------------------------------------

const partSchema = z.looseObject({
  text: z.string().optional(),
  inlineData: z.looseObject({ mimeType: z.string().optional(), data: z.string() }).optional(),
  thought: z.boolean().optional(),
  thoughtSignature: z.string().optional(),
})
export type GoogleResponsePart = z.infer<typeof partSchema>

export const generateContentResponseSchema = z.looseObject({
  candidates: z
    .array(
      z.looseObject({
        content: z.looseObject({ parts: z.array(partSchema).optional() }).optional(),
        finishReason: z.string().optional(),
        finishMessage: z.string().optional(),
        groundingMetadata: z
          .looseObject({
            webSearchQueries: z.array(z.string()).optional(),
            groundingChunks: z
              .array(
                z.looseObject({
                  web: z.looseObject({ uri: z.string().optional(), title: z.string().optional() }).optional(),
                }),
              )
              .optional(),
          })
          .optional(),
      }),
    )
    .optional(),
  promptFeedback: z
    .looseObject({ blockReason: z.string().optional(), blockReasonMessage: z.string().optional() })
    .optional(),
})
export type GenerateContentResponse = z.infer<typeof generateContentResponseSchema>

export const operationSchema = z.looseObject({
  name: z.string().optional(),
  done: z.boolean().optional(),
  error: z.looseObject({ code: z.number().optional(), message: z.string().optional() }).optional(),
  response: z
    .looseObject({
      generateVideoResponse: z
        .looseObject({
          generatedSamples: z
            .array(z.looseObject({ video: z.looseObject({ uri: z.string().optional() }).optional() }))
            .optional(),
          raiMediaFilteredCount: z.number().optional(),
          raiMediaFilteredReasons: z.array(z.string()).optional(),
        })
        .optional(),
    })
    .optional(),
})
export type GoogleOperation = z.infer<typeof operationSchema>

/** `{"error": {code, message, status, details}}` (google.rpc.Status). */
export const googleErrorBodySchema = z.looseObject({
  error: z.looseObject({
    code: z.number().optional(),
    message: z.string().optional(),
    status: z.string().optional(),
    details: z
      .array(
        z.looseObject({
          '@type': z.string().optional(),
          /** ErrorInfo */
          reason: z.string().optional(),
          /** RetryInfo, a protobuf Duration such as "34.5s". */
          retryDelay: z.string().optional(),
          /** QuotaFailure */
          violations: z
            .array(
              z.looseObject({
                quotaId: z.string().optional(),
                quotaMetric: z.string().optional(),
                description: z.string().optional(),
              }),
            )
            .optional(),
        }),
      )
      .optional(),
  }),
})
export type GoogleErrorBody = z.infer<typeof googleErrorBodySchema>

// --- What a model turn carries for the next one ---------------------------------------------------

/** One non-thought part of a model answer, in order: its text, or which image it was, and its signature. */
export const googleTurnPartSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string(), thoughtSignature: z.string().optional() }),
  z.object({
    kind: z.literal('image'),
    /** Index into the turn's `images`. */
    index: z.number().int().min(0),
    thoughtSignature: z.string().optional(),
  }),
])
export type GoogleTurnPart = z.infer<typeof googleTurnPartSchema>

/** `ImageGenerationResult.providerMetadata` of a Gemini answer, read back from `history[i].providerMetadata`. */
export const googleTurnMetadataSchema = z.looseObject({
  google: z.looseObject({ model: z.string().optional(), parts: z.array(googleTurnPartSchema) }),
})
export type GoogleTurnMetadata = z.infer<typeof googleTurnMetadataSchema>
