/**
 * @module Content moderation: the one interface every generation, chat turn, batch item, template
 * and public prompt goes through. Throws AppError('CONTENT_BLOCKED') with a reason.
 *
 * The keyword filter always runs first (cheap, and the floor nobody can switch off). With an AI
 * moderator configured, the filter's `contextual` words are left to the moderator's judgement; when
 * the moderator gives no verdict, the purpose's fail mode decides.
 */
import type { AppLogger } from '../../deps.js'
import { silentLogger } from '../../deps.js'
import { AppError } from '../../errors.js'
import { createKeywordFilter, type KeywordFilter } from './keyword-filter.js'
import { type AIModerator, ModeratorUnavailableError } from './openai-moderator.js'
import { CATEGORY_DESCRIPTIONS } from './terms.js'

/** `generation`: a prompt about to be sent to a provider; `public`: text other users will see. */
export type ModerationPurpose = 'generation' | 'public'

export interface ModerationRequest {
  /** Every user-written text of the request (prompt, negative prompt, variables, titles, ...). */
  texts: readonly string[]
  purpose: ModerationPurpose
  /** The request's logger (its id on the line an unavailable AI moderator leaves); else the service's own. */
  logger?: AppLogger
}

export interface ModerationService {
  /** Resolves when the texts may be used; throws AppError('CONTENT_BLOCKED', reason) otherwise. */
  assertAllowed(request: ModerationRequest): Promise<void>
}

/**
 * What happens when the AI moderator gives no verdict (error, timeout, 5xx):
 * `keyword-only` judges by the full keyword filter (contextual words included), `closed` refuses
 * the request, `open` lets it through on the strict keyword filter alone.
 */
export type ModerationFailMode = 'keyword-only' | 'closed' | 'open'
export const MODERATION_FAIL_MODES = ['keyword-only', 'closed', 'open'] as const

export interface ModerationServiceOptions {
  /** @default createKeywordFilter() (the built-in terms) */
  keywordFilter?: KeywordFilter
  /** Second opinion after the keyword filter (MODERATION_AI=openai). */
  aiModerator?: AIModerator
  /** Per purpose; @default { generation: 'keyword-only', public: 'closed' } */
  onError?: Partial<Record<ModerationPurpose, ModerationFailMode>>
  logger?: AppLogger
}

/** The AppError a blocked text gets: the category as reason, never the matched words. */
export function contentBlocked(category: string): AppError {
  const description = CATEGORY_DESCRIPTIONS[category] ?? category
  return new AppError('CONTENT_BLOCKED', `Blocked by content moderation: ${description}`, {
    reason: category,
  })
}

/**
 * @example
 * const moderation = createModerationService({ aiModerator: createOpenAIModerator({ apiKey }) })
 * await moderation.assertAllowed({ texts: [prompt], purpose: 'generation' })
 */
export function createModerationService(options: ModerationServiceOptions = {}): ModerationService {
  const { keywordFilter = createKeywordFilter(), aiModerator, logger = silentLogger } = options
  const failModes: Record<ModerationPurpose, ModerationFailMode> = {
    generation: 'keyword-only',
    public: 'closed',
    ...options.onError,
  }

  function assertKeywords(texts: readonly string[], contextual: boolean): void {
    for (const text of texts) {
      const match = keywordFilter.check(text, { contextual })
      if (match) throw contentBlocked(match.category)
    }
  }

  return {
    async assertAllowed({ texts, purpose, logger: requestLogger }) {
      const given = texts.filter((text) => text.trim().length > 0)
      if (given.length === 0) return
      assertKeywords(given, !aiModerator)
      if (!aiModerator) return

      let verdict: Awaited<ReturnType<AIModerator['moderate']>>
      try {
        verdict = await aiModerator.moderate(given)
      } catch (error) {
        const mode = failModes[purpose]
        // Never the texts: only what went wrong and what we did about it.
        const log = requestLogger ?? logger
        log.warn(
          {
            moderator: aiModerator.name,
            purpose,
            failMode: mode,
            err: error instanceof Error ? error.message : String(error),
            ...(error instanceof ModeratorUnavailableError ? error.context : {}),
          },
          'AI moderator unavailable',
        )
        if (mode === 'closed') {
          // Not CONTENT_BLOCKED (the text may be fine): an upstream service failed; retrying may work.
          throw new AppError(
            'PROVIDERS_FAILED',
            'Moderation is unavailable; try again later',
            { reason: 'moderation_unavailable' },
            { cause: error },
          )
        }
        if (mode === 'keyword-only') assertKeywords(given, true)
        return
      }
      if (verdict.flagged) throw contentBlocked(verdict.categories[0] ?? 'flagged')
    },
  }
}
