/**
 * @module Prometheus metrics (prom-client): one registry per app, so tests and several apps in one
 * process never share counters. Hot-path calls are a label lookup and an increment; gauges that
 * need I/O (queue depth, breaker states) are read only when `/metrics` is scraped.
 */
import type { BreakerState, ProviderAttemptSample } from '@nbl/providers'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** Latency buckets in seconds: sub-millisecond gateway work up to minute-long video polls. */
const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
]

export interface MetricsSources {
  /** Job items waiting to run (queued). */
  queueDepth?: () => Promise<number>
  /** Breaker state of every provider and kind. */
  breakers?: () => { provider: string; kind: 'image' | 'video'; state: BreakerState }[]
}

export interface AppMetrics {
  readonly registry: Registry
  /** Scrape text in the Prometheus exposition format. */
  render(): Promise<string>
  contentType: string
  setSources(sources: MetricsSources): void
  httpRequest(method: string, route: string, status: number, seconds: number): void
  procedure(path: string, type: string, code: string, seconds: number): void
  providerAttempt(sample: ProviderAttemptSample): void
  generation(kind: string, provider: string, outcome: 'succeeded' | 'failed'): void
  quotaRejection(appCode: string): void
}

const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half_open', 'isolated']

export function createAppMetrics(options: { defaultMetrics?: boolean } = {}): AppMetrics {
  const registry = new Registry()
  let sources: MetricsSources = {}
  // Process metrics: CPU, memory, GC and `nodejs_eventloop_lag_*`.
  if (options.defaultMetrics !== false)
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 20 })

  const httpRequests = new Counter({
    name: 'nbl_http_requests_total',
    help: 'HTTP requests by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  })
  const httpDuration = new Histogram({
    name: 'nbl_http_request_duration_seconds',
    help: 'HTTP request duration by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  const procedures = new Counter({
    name: 'nbl_trpc_requests_total',
    help: 'tRPC procedure calls by path, type and result code',
    labelNames: ['procedure', 'type', 'code'] as const,
    registers: [registry],
  })
  const procedureDuration = new Histogram({
    name: 'nbl_trpc_request_duration_seconds',
    help: 'tRPC procedure duration by path',
    labelNames: ['procedure', 'type'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  const providerAttempts = new Counter({
    name: 'nbl_provider_attempts_total',
    help: 'Provider calls by provider, kind, outcome and error class',
    labelNames: ['provider', 'kind', 'outcome', 'error_class'] as const,
    registers: [registry],
  })
  const providerLatency = new Histogram({
    name: 'nbl_provider_latency_seconds',
    help: 'Provider call latency (tried attempts) by provider and kind',
    labelNames: ['provider', 'kind'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  })
  const generations = new Counter({
    name: 'nbl_generations_total',
    help: 'Generations by kind, provider and outcome',
    labelNames: ['kind', 'provider', 'outcome'] as const,
    registers: [registry],
  })
  const quotaRejections = new Counter({
    name: 'nbl_quota_rejections_total',
    help: 'Requests refused by quota or cooldown, by app code',
    labelNames: ['app_code'] as const,
    registers: [registry],
  })
  new Gauge({
    name: 'nbl_job_queue_depth',
    help: 'Job items queued and not yet started',
    registers: [registry],
    async collect() {
      if (sources.queueDepth) this.set(await sources.queueDepth())
    },
  })
  new Gauge({
    name: 'nbl_provider_breaker_state',
    help: 'Circuit breaker state per provider and kind (1 for the current state)',
    labelNames: ['provider', 'kind', 'state'] as const,
    registers: [registry],
    collect() {
      this.reset()
      for (const { provider, kind, state } of sources.breakers?.() ?? []) {
        for (const candidate of BREAKER_STATES)
          this.set({ provider, kind, state: candidate }, candidate === state ? 1 : 0)
      }
    },
  })

  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    setSources(next) {
      sources = next
    },
    httpRequest(method, route, status, seconds) {
      httpRequests.inc({ method, route, status: String(status) })
      httpDuration.observe({ method, route }, seconds)
    },
    procedure(path, type, code, seconds) {
      procedures.inc({ procedure: path, type, code })
      procedureDuration.observe({ procedure: path, type }, seconds)
    },
    providerAttempt({ provider, kind, outcome, errorClass, latencyMs }) {
      providerAttempts.inc({ provider, kind, outcome, error_class: errorClass ?? '' })
      if (outcome !== 'skipped') providerLatency.observe({ provider, kind }, latencyMs / 1000)
    },
    generation(kind, provider, outcome) {
      generations.inc({ kind, provider, outcome })
    },
    quotaRejection(appCode) {
      quotaRejections.inc({ app_code: appCode })
    },
  }
}
