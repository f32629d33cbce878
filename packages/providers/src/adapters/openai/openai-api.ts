/**
 * @module Minimal response schemas for the OpenAI Images API and OpenRouter's chat completions with image
 * output: only the fields the adapters read (providers.md §2.4, §2.7).
 */
import { z } from 'zod'

/** `POST /images/generations` and `/images/edits` (same shape). */
export const openAIImagesResponseSchema = z.looseObject({
  data: z
    .array(
      z.looseObject({
        b64_json: z.string().nullish(),
        url: z.string().nullish(),
      }),
    )
    .nullish(),
  usage: z
    .looseObject({
      input_tokens: z.number().nullish(),
      output_tokens: z.number().nullish(),
      input_tokens_details: z
        .looseObject({ text_tokens: z.number().nullish(), image_tokens: z.number().nullish() })
        .nullish(),
    })
    .nullish(),
})
export type OpenAIImagesResponse = z.infer<typeof openAIImagesResponseSchema>

/** The error envelope: `{"error": {"message", "type", "param", "code"}}`. */
export const openAIErrorBodySchema = z.looseObject({
  message: z.string().nullish(),
  type: z.string().nullish(),
  code: z.union([z.string(), z.number()]).nullish(),
})

/** OpenRouter's error object, top level or per choice: `{"code": <http>, "message", "metadata"}`. */
export const openRouterErrorSchema = z.looseObject({
  code: z.union([z.number(), z.string()]).nullish(),
  message: z.string().nullish(),
  metadata: z.unknown().optional(),
})
export type OpenRouterErrorObject = z.infer<typeof openRouterErrorSchema>

/** `POST /chat/completions` with `modalities`: images in `choices[0].message.images[].image_url.url`. */
export const openRouterChatResponseSchema = z.looseObject({
  error: openRouterErrorSchema.nullish(),
  choices: z
    .array(
      z.looseObject({
        finish_reason: z.string().nullish(),
        native_finish_reason: z.string().nullish(),
        error: openRouterErrorSchema.nullish(),
        message: z
          .looseObject({
            content: z.string().nullish(),
            images: z
              .array(z.looseObject({ image_url: z.looseObject({ url: z.string() }).nullish() }))
              .nullish(),
          })
          .nullish(),
      }),
    )
    .nullish(),
  usage: z.looseObject({ cost: z.number().nullish() }).nullish(),
})
export type OpenRouterChatResponse = z.infer<typeof openRouterChatResponseSchema>
