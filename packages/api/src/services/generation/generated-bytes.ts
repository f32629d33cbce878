/**
 * @module A caller that answers with the images' bytes (the OpenAI route's `b64_json`) collects them
 * from the generation itself, instead of reading back from storage what the call has just written.
 * Like the client address, it rides on the context under a symbol, through every middleware.
 */
const GENERATED_BYTES = Symbol('generatedBytes')

/** From now on, images generated on this context leave their bytes in the returned map, by image id. */
export function collectGeneratedBytes<T extends object>(ctx: T): Map<string, Uint8Array> {
  const collected = new Map<string, Uint8Array>()
  Object.assign(ctx, { [GENERATED_BYTES]: collected })
  return collected
}

/** Called by the generation for each image it stored; a no-op unless the caller collects. */
export function handOverGeneratedBytes(ctx: object, imageId: string, bytes: Uint8Array): void {
  const collected = (ctx as Record<symbol, unknown>)[GENERATED_BYTES]
  if (collected instanceof Map) collected.set(imageId, bytes)
}
