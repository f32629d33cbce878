/**
 * @module Content moderation: the one interface every generation, chat turn, batch item, template
 * and public prompt goes through. Throws AppError('CONTENT_BLOCKED') with a reason.
 */

/** `generation`: a prompt about to be sent to a provider; `public`: text other users will see. */
export type ModerationPurpose = 'generation' | 'public'

export interface ModerationRequest {
  /** Every user-written text of the request (prompt, negative prompt, variables, titles, ...). */
  texts: readonly string[]
  purpose: ModerationPurpose
}

export interface ModerationService {
  /** Resolves when the texts may be used; throws AppError('CONTENT_BLOCKED', reason) otherwise. */
  assertAllowed(request: ModerationRequest): Promise<void>
}

// PLACEHOLDER until the keyword/AI moderator lands this session: allows everything.
export function createModerationService(): ModerationService {
  return { async assertAllowed() {} }
}
