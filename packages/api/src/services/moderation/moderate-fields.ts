/**
 * @module Moderates a request field by field, so a block names the field (`prompt`,
 * `items.3.negativePrompt`) in its message and `fieldErrors`. Runs before any quota is reserved.
 */
import type { AppLogger } from '../../deps.js'
import { AppError } from '../../errors.js'
import type { ModerationPurpose, ModerationService } from './moderation.js'

export interface ModeratedField {
  /** The input path, as in validation errors: `prompt`, `items.3.prompt`. */
  path: string
  text: string | undefined
}

/**
 * The user-written texts of an image or video request, named as in validation errors.
 * @param prefix e.g. `items.3.` for a batch item
 */
export function promptFields(
  input: { prompt: string; negativePrompt?: string | undefined },
  prefix = '',
): ModeratedField[] {
  return [
    { path: `${prefix}prompt`, text: input.prompt },
    { path: `${prefix}negativePrompt`, text: input.negativePrompt },
  ]
}

/** Fields judged at once; enough to keep a 100-item batch quick without flooding the moderator. */
const CONCURRENCY = 8

/**
 * Resolves when every field may be used. Otherwise throws the block of the first blocked field in
 * order, its message prefixed with the path, or the moderator's own failure (fail mode `closed`).
 * @example await assertFieldsAllowed(deps.moderation, [{ path: 'prompt', text: input.prompt }], 'generation')
 */
export async function assertFieldsAllowed(
  moderation: ModerationService,
  fields: readonly ModeratedField[],
  purpose: ModerationPurpose,
  /** The request's logger, handed to the moderation service. */
  logger?: AppLogger,
): Promise<void> {
  const given = fields.filter((field): field is { path: string; text: string } => Boolean(field.text?.trim()))
  const failures: { index: number; error: unknown }[] = []
  let next = 0
  async function worker(): Promise<void> {
    // Once something failed, no further field is sent: the request is refused anyway.
    while (next < given.length && failures.length === 0) {
      const index = next++
      const field = given[index] as { path: string; text: string }
      try {
        await moderation.assertAllowed({ texts: [field.text], purpose, ...(logger ? { logger } : {}) })
      } catch (error) {
        failures.push({ index, error })
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, given.length) }, worker))
  if (failures.length === 0) return

  const first = failures.reduce((earliest, failure) => (failure.index < earliest.index ? failure : earliest))
  const error = first.error
  if (!(error instanceof AppError) || error.appCode !== 'CONTENT_BLOCKED') throw error
  const path = (given[first.index] as { path: string }).path
  throw new AppError(
    'CONTENT_BLOCKED',
    `${path}: ${error.message}`,
    { ...error.details, fieldErrors: { [path]: [error.message] } },
    { cause: error },
  )
}
