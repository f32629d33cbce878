/**
 * @module A prompt improver backed by a text model behind an OpenAI-compatible chat-completions API
 * (`POST {baseUrl}/chat/completions`: OpenAI, OpenRouter, Ollama, vLLM, ...). The model answers
 * JSON, validated with zod; any failure (HTTP error, timeout, bad JSON) falls back to the rules.
 */
import { z } from 'zod'
import type { AppLogger } from '../../deps.js'
import {
  MAX_SUGGESTION_LENGTH,
  type PromptImprover,
  type PromptSuggestion,
  type PromptSuggestions,
} from './prompt-improver.js'
import { rulesPromptImprover } from './rules-improver.js'

export interface ChatCompletionsImproverOptions {
  /** The API root with its version, e.g. `https://api.openai.com/v1`. */
  baseUrl: string
  /** Sent as `Authorization: Bearer`; local servers may need none. */
  apiKey?: string
  model: string
  /** Per-request timeout. @default 20_000 */
  timeoutMs?: number
  /** Used when the model fails. @default rulesPromptImprover */
  fallback?: PromptImprover
  logger?: AppLogger
  /** Test seam. @default globalThis.fetch */
  fetch?: typeof fetch
}

const SYSTEM_PROMPT = [
  'You improve prompts for an image generation model.',
  'Keep the user’s subject and intent; add what is missing among subject detail, style, lighting,',
  'composition and quality cues; remove filler such as "please generate an image of".',
  'Answer with JSON only: {"suggestions":[{"prompt":"...","reason":"..."}]}, where each reason says',
  'in one sentence what changed. Give exactly the number of suggestions asked for, each different.',
].join(' ')

/** Only what we read of the response. */
const completionSchema = z.object({
  choices: z.array(z.object({ message: z.object({ content: z.string().nullable() }) })).min(1),
})

const suggestionsSchema = z.object({
  suggestions: z
    .array(
      z.object({
        prompt: z.string().trim().min(1).max(MAX_SUGGESTION_LENGTH),
        reason: z.string().trim().min(1).max(1000),
      }),
    )
    .min(1),
})

/** Models sometimes wrap JSON in a Markdown fence despite being asked not to. */
function unfence(content: string): string {
  const fenced = /^\s*```(?:json)?\s*([\s\S]*?)\s*```\s*$/i.exec(content)
  return fenced?.[1] ?? content
}

export class PromptImproverError extends Error {
  override readonly name = 'PromptImproverError'
  readonly retryable: boolean
  readonly context: { status?: number }

  constructor(message: string, options: { status?: number; retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.retryable = options.retryable ?? false
    this.context = options.status === undefined ? {} : { status: options.status }
  }
}

/**
 * @example
 * const improver = createChatCompletionsPromptImprover({ baseUrl: 'https://api.openai.com/v1', apiKey, model: 'gpt-4o-mini' })
 * await improver.suggest('a cat', 3) // { suggestions: [...], source: 'provider' }
 */
export function createChatCompletionsPromptImprover(options: ChatCompletionsImproverOptions): PromptImprover {
  const {
    apiKey,
    model,
    timeoutMs = 20_000,
    fallback = rulesPromptImprover,
    logger,
    fetch: fetchImpl = globalThis.fetch,
  } = options
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`

  async function requestSuggestions(
    prompt: string,
    count: number,
    signal?: AbortSignal,
  ): Promise<PromptSuggestion[]> {
    const timeout = AbortSignal.timeout(timeoutMs)
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
      },
      body: JSON.stringify({
        model,
        messages: [
          { role: 'system', content: SYSTEM_PROMPT },
          { role: 'user', content: JSON.stringify({ prompt, count }) },
        ],
        response_format: { type: 'json_object' },
      }),
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    })
    if (!response.ok) {
      // Drain the body so the connection is reused; its text is not needed.
      await response.body?.cancel().catch(() => undefined)
      throw new PromptImproverError(`chat completions answered ${response.status}`, {
        status: response.status,
        retryable: response.status === 408 || response.status === 429 || response.status >= 500,
      })
    }
    const completion = completionSchema.safeParse(await response.json())
    if (!completion.success) {
      throw new PromptImproverError('unexpected chat completions response', { cause: completion.error })
    }
    const content = completion.data.choices[0]?.message.content ?? ''
    let parsed: unknown
    try {
      parsed = JSON.parse(unfence(content))
    } catch (error) {
      throw new PromptImproverError('the model did not answer JSON', { cause: error })
    }
    const result = suggestionsSchema.safeParse(parsed)
    if (!result.success) {
      throw new PromptImproverError('the model answered JSON of the wrong shape', { cause: result.error })
    }
    return result.data.suggestions.slice(0, count)
  }

  return {
    async suggest(
      prompt: string,
      count: number,
      signal?: AbortSignal,
      requestLogger?: AppLogger,
    ): Promise<PromptSuggestions> {
      try {
        return { suggestions: await requestSuggestions(prompt, count, signal), source: 'provider' }
      } catch (error) {
        const log = requestLogger ?? logger
        log?.warn(
          { err: error instanceof Error ? error.message : String(error), model },
          'prompt suggestions from the text model failed; using the rules',
        )
        return fallback.suggest(prompt, count, signal)
      }
    },
  }
}
