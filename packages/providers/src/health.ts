/**
 * @module Rolling per-provider health: observed latency (EWMA, seeded with the declared typical
 * latency) and the success rate of the last attempts, for the speed strategy and admin status.
 */

export interface HealthSnapshot {
  /** Observed latency estimate; the declared figure until the first success. */
  latencyMs: number
  /** Share of the recent attempts that succeeded (1 when none yet). */
  successRate: number
  recentAttempts: number
  totalAttempts: number
  totalFailures: number
}

export class ProviderHealth {
  #latencyMs: number
  #observed = false
  readonly #window: boolean[] = []
  #windowSuccesses = 0
  #totalAttempts = 0
  #totalFailures = 0

  constructor(
    priorLatencyMs: number,
    private readonly options: { smoothing?: number; windowSize?: number } = {},
  ) {
    this.#latencyMs = priorLatencyMs
  }

  recordSuccess(latencyMs: number): void {
    const smoothing = this.options.smoothing ?? 0.2
    // The first real observation replaces most of the prior; later ones move the average gently.
    this.#latencyMs = this.#observed
      ? this.#latencyMs + smoothing * (latencyMs - this.#latencyMs)
      : (this.#latencyMs + 3 * latencyMs) / 4
    this.#observed = true
    this.#push(true)
  }

  recordFailure(): void {
    this.#totalFailures++
    this.#push(false)
  }

  /** The latency estimate alone: read per request by the router, so it allocates nothing. */
  latencyMs(): number {
    return this.#latencyMs
  }

  snapshot(): HealthSnapshot {
    return {
      latencyMs: Math.round(this.#latencyMs),
      successRate: this.#window.length === 0 ? 1 : this.#windowSuccesses / this.#window.length,
      recentAttempts: this.#window.length,
      totalAttempts: this.#totalAttempts,
      totalFailures: this.#totalFailures,
    }
  }

  #push(success: boolean): void {
    this.#totalAttempts++
    this.#window.push(success)
    if (success) this.#windowSuccesses++
    if (this.#window.length > (this.options.windowSize ?? 100) && this.#window.shift())
      this.#windowSuccesses--
  }
}
