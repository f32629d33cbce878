/**
 * @module The AI moderator: OpenAI's moderation endpoint (`POST {baseUrl}/moderations`).
 * @see https://platform.openai.com/docs/api-reference/moderations/create
 */
import { z } from 'zod'

export interface AIModerationVerdict {
  flagged: boolean
  /** The flagged categories (OpenAI's names, e.g. `sexual/minors`), most severe first. */
  categories: string[]
}

export interface AIModerator {
  readonly name: string
  /** Judges the texts as one input; throws ModeratorUnavailableError when no verdict came back. */
  moderate(texts: readonly string[]): Promise<AIModerationVerdict>
}

/** The moderator gave no verdict: network error, timeout, non-2xx status or an unreadable body. */
export class ModeratorUnavailableError extends Error {
  override readonly name = 'ModeratorUnavailableError'
  constructor(
    message: string,
    readonly context: { status?: number; timedOut?: boolean },
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export interface OpenAIModeratorOptions {
  apiKey: string
  /** @default 'https://api.openai.com/v1' */
  baseUrl?: string
  /** @default 'omni-moderation-latest' */
  model?: string
  /** @default 3000 */
  timeoutMs?: number
  /** @default globalThis.fetch */
  fetch?: typeof fetch
}

/** Only the fields we read. */
const responseSchema = z.object({
  results: z
    .array(
      z.object({
        flagged: z.boolean(),
        categories: z.record(z.string(), z.boolean().nullable()).default({}),
        category_scores: z.record(z.string(), z.number()).default({}),
      }),
    )
    .min(1),
})

/** Reported first when several categories are flagged. */
const SEVERITY_ORDER = [
  'sexual/minors',
  'self-harm/instructions',
  'violence/graphic',
  'hate/threatening',
  'illicit/violent',
  'sexual',
  'hate',
  'self-harm/intent',
  'self-harm',
  'harassment/threatening',
  'violence',
  'illicit',
  'harassment',
]

function severityRank(category: string): number {
  const index = SEVERITY_ORDER.indexOf(category)
  return index === -1 ? SEVERITY_ORDER.length : index
}

export function createOpenAIModerator(options: OpenAIModeratorOptions): AIModerator {
  const {
    apiKey,
    baseUrl = 'https://api.openai.com/v1',
    model = 'omni-moderation-latest',
    timeoutMs = 3000,
    fetch: fetchFunction = globalThis.fetch,
  } = options
  const url = `${baseUrl.replace(/\/+$/, '')}/moderations`

  return {
    name: 'openai',
    async moderate(texts) {
      let status: number | undefined
      let body: unknown
      try {
        const response = await fetchFunction(url, {
          method: 'POST',
          headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model, input: texts.map((text) => ({ type: 'text', text })) }),
          signal: AbortSignal.timeout(timeoutMs),
        })
        status = response.status
        if (!response.ok) {
          await response.body?.cancel()
          throw new ModeratorUnavailableError(`HTTP ${status}`, { status })
        }
        body = await response.json()
      } catch (error) {
        if (error instanceof ModeratorUnavailableError) throw error
        // The timeout signal may fire while the body is still arriving, too.
        const timedOut = error instanceof DOMException && error.name === 'TimeoutError'
        throw new ModeratorUnavailableError(
          timedOut
            ? `no answer within ${timeoutMs} ms`
            : status
              ? `unreadable response (HTTP ${status})`
              : 'request failed',
          { ...(status ? { status } : {}), timedOut },
          { cause: error },
        )
      }
      const parsed = responseSchema.safeParse(body)
      if (!parsed.success) {
        throw new ModeratorUnavailableError('unexpected response shape', { ...(status ? { status } : {}) })
      }
      const results = parsed.data.results
      const categories = new Set<string>()
      for (const result of results) {
        for (const [category, flagged] of Object.entries(result.categories))
          if (flagged) categories.add(category)
      }
      return {
        flagged: results.some((result) => result.flagged),
        categories: [...categories].sort((left, right) => severityRank(left) - severityRank(right)),
      }
    },
  }
}
