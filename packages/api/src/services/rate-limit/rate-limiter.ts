/**
 * @module Request-rate limiting: a fixed window per key. The memory limiter serves one process; the
 * Redis limiter (redis-limiter.ts) is shared by every instance.
 */

export interface RateLimitRule {
  /** Requests allowed per window; 0 or less disables the rule. */
  limit: number
  windowMs: number
}

export interface RateLimitOutcome {
  allowed: boolean
  /** When refused: how long until the window resets (> 0); 0 when allowed. */
  retryAfterMs: number
}

export interface RateLimiter {
  /** Counts one request for `key` and says whether it is within `rule`. */
  hit(key: string, rule: RateLimitRule): Promise<RateLimitOutcome>
}

const ALLOWED: RateLimitOutcome = { allowed: true, retryAfterMs: 0 }

/** Expired windows are swept when the table grows past this many keys. */
const SWEEP_AT = 10_000

export function createMemoryRateLimiter(options: { now?: () => number } = {}): RateLimiter {
  const now = options.now ?? Date.now
  const windows = new Map<string, { count: number; resetsAt: number }>()
  let sweepAt = SWEEP_AT

  function sweep(at: number): void {
    for (const [key, window] of windows) if (window.resetsAt <= at) windows.delete(key)
    sweepAt = Math.max(SWEEP_AT, windows.size * 2)
  }

  return {
    async hit(key, { limit, windowMs }) {
      if (limit <= 0) return ALLOWED
      const at = now()
      if (windows.size >= sweepAt) sweep(at)
      let window = windows.get(key)
      if (!window || window.resetsAt <= at) {
        window = { count: 0, resetsAt: at + windowMs }
        windows.set(key, window)
      }
      if (window.count >= limit) return { allowed: false, retryAfterMs: Math.max(1, window.resetsAt - at) }
      window.count++
      return ALLOWED
    },
  }
}

/** A limiter that allows everything (benchmarks, tools). */
export const unlimitedRateLimiter: RateLimiter = {
  async hit() {
    return ALLOWED
  },
}
