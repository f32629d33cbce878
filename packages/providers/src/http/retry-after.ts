/**
 * @module Reading a provider's "wait this long" hints: `Retry-After` (seconds or HTTP-date),
 * `retry-after-ms`, Gemini's `RetryInfo.retryDelay` ("34.5s"), and waits spelled out in error texts.
 */

/** Waits longer than this are not honoured as hints (the provider is effectively down for us). */
const MAX_HINT_MS = 10 * 60_000

/** Milliseconds to wait from response headers, or undefined when they give no sane hint. */
export function retryAfterMsFromHeaders(headers: Headers, now: number = Date.now()): number | undefined {
  const milliseconds = headers.get('retry-after-ms')
  if (milliseconds !== null && /^\d+(\.\d+)?$/.test(milliseconds.trim())) {
    return sane(Number(milliseconds))
  }
  const value = headers.get('retry-after')?.trim()
  if (!value) return undefined
  if (/^\d+(\.\d+)?$/.test(value)) return sane(Number(value) * 1000)
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : sane(Math.max(0, date - now))
}

/** A protobuf Duration as JSON ("34.5s", "2s"), as in Gemini's RetryInfo.retryDelay. */
export function parseDurationMs(duration: unknown): number | undefined {
  if (typeof duration !== 'string') return undefined
  const match = /^(\d+(?:\.\d+)?)s$/.exec(duration.trim())
  return match?.[1] ? sane(Number(match[1]) * 1000) : undefined
}

/**
 * A wait hint in an error text, where `pattern` captures an amount and its unit (`ms`, `s`/`seconds`,
 * `m`/`minutes`): OpenAI's "try again in 1.5s", Replicate's "resets in ~30s".
 */
export function retryAfterMsFromText(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text)
  if (!match?.[1] || !match[2]) return undefined
  const amount = Number(match[1])
  const unit = match[2].toLowerCase()
  return sane(unit === 'ms' ? amount : unit.startsWith('m') ? amount * 60_000 : amount * 1000)
}

function sane(ms: number): number | undefined {
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_HINT_MS ? Math.round(ms) : undefined
}
