/**
 * @module The prompt improver behind `library.prompts.suggest`: a deterministic rule-based one, or
 * a text model behind an OpenAI-compatible chat-completions API (which falls back to the rules).
 */
import type { AppLogger } from '../../deps.js'

export interface PromptSuggestion {
  prompt: string
  /** What changed and why, in a sentence. */
  reason: string
}

export interface PromptSuggestions {
  suggestions: PromptSuggestion[]
  /** `provider`: a text model wrote them; `rules`: the rule-based improver did. */
  source: 'provider' | 'rules'
}

export interface PromptImprover {
  /**
   * Proposes up to `count` improved versions of `prompt` (1..5), keeping its intent.
   * Never throws for a provider failure: it answers from the rules instead, and logs the failure to
   * `logger` (the request's) when given.
   */
  suggest(prompt: string, count: number, signal?: AbortSignal, logger?: AppLogger): Promise<PromptSuggestions>
}

/** Longest suggested prompt: what generate.image accepts. */
export const MAX_SUGGESTION_LENGTH = 4000
