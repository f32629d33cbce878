/**
 * Observability through the real server graph: request ids (accepted or generated, returned, on
 * every log line of the request), redaction of secrets and prompts, and `GET /metrics`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { createApp, issueApiKey } from '@nbl/api'
import { createId, insertUser, migrateToLatest } from '@nbl/db'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config.js'
import { type BuiltDeps, buildDeps } from '../src/deps.js'
import { createLogger, redactLogFields } from '../src/logger.js'

const METRICS_TOKEN = 'metrics-token-metrics-token'
const lines: Record<string, unknown>[] = []
let built: BuiltDeps
let app: ReturnType<typeof createApp>
let dataDir: string
let apiKey: string

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'nbl-observability-'))
  const config = loadConfig(
    {
      NODE_ENV: 'test',
      DATA_DIR: dataDir,
      METRICS_TOKEN,
      QUOTA_FREE_COOLDOWN_SECONDS: '0',
      QUOTA_FREE_DAILY_LIMIT: '3',
      // Nothing listens on port 9: every moderation call fails at once (see the request-id tests).
      MODERATION_AI: 'openai',
      MODERATION_API_KEY: 'moderation-key-not-used',
      MODERATION_BASE_URL: 'http://127.0.0.1:9',
      MODERATION_TIMEOUT_MS: '1000',
    },
    { dataDir },
  )
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line))
      done()
    },
  })
  const logger = createLogger({ level: 'debug', destination })
  built = await buildDeps({
    config,
    secretKey: 'test-secret-test-secret-test-secret',
    logger,
    version: 'test',
  })
  await migrateToLatest(built.deps.db)
  app = createApp(built.deps)
  const user = await insertUser(built.deps.db, {
    id: createId('usr'),
    name: 'o11y',
    email: null,
    role: 'user',
    tier: 'free',
  })
  apiKey = (await issueApiKey(built.deps.db, { userId: user.id, name: 'test' })).secret
})
afterAll(async () => {
  await built?.close()
  await rm(dataDir, { recursive: true, force: true })
})

const generate = (prompt: string, headers: Record<string, string> = {}) =>
  app.request('/trpc/generate.image', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...headers },
    body: JSON.stringify({ prompt }),
  })

const scrape = async () => {
  const response = await app.request('/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })
  expect(response.status).toBe(200)
  expect(response.headers.get('content-type')).toContain('text/plain')
  return response.text()
}

describe('request ids and logs', () => {
  it('returns the caller’s X-Request-Id and logs it on the request’s lines', async () => {
    const response = await generate('a secret lighthouse at dusk', { 'x-request-id': 'trace-abc-123' })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-request-id')).toBe('trace-abc-123')
    const access = lines.find((line) => line.msg === 'request' && line.requestId === 'trace-abc-123')
    expect(access).toMatchObject({ method: 'POST', route: '/trpc/*', status: 200, service: 'nbl-server' })
  })

  it('generates an id when none (or an unsafe one) is sent', async () => {
    const response = await generate('another', { 'x-request-id': 'bad id with spaces' })
    const id = response.headers.get('x-request-id')
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(lines.some((line) => line.requestId === id)).toBe(true)
  })

  it('tags the lines services log for a request with its id', async () => {
    // The AI moderator (configured above at a port nothing listens on) fails inside the generation;
    // the moderation service logs that through the request's logger, and the generation goes on.
    const requestId = 'deep-line-1'
    const response = await generate('deep', { 'x-request-id': requestId })
    expect(response.status).toBe(200)
    const warning = lines.find(
      (line) => line.msg === 'AI moderator unavailable' && line.requestId === requestId,
    )
    expect(warning).toMatchObject({ level: 40, purpose: 'generation', failMode: 'keyword-only' })
  })

  it('redacts secrets and prompts at the top level and one level down, leaving the logged object as it was', () => {
    const written: Record<string, unknown>[] = []
    const logger = createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk, _encoding, done) {
          written.push(JSON.parse(String(chunk)))
          done()
        },
      }),
    })
    const input = { prompt: 'private words', size: '1K' }
    const failure = Object.assign(new Error('upstream said no'), { status: 502 })
    logger.info({
      authorization: 'Bearer nbl_secret',
      headers: { authorization: 'Bearer nbl_secret', accept: 'application/json' },
      input,
      err: failure,
      nested: { deeper: { token: 'two levels down is not looked at' } },
    })
    expect(written).toHaveLength(1)
    expect(written[0]).toMatchObject({
      authorization: '[redacted]',
      headers: { authorization: '[redacted]', accept: 'application/json' },
      input: { prompt: '[redacted]', size: '1K' },
      err: { message: 'upstream said no', status: 502 },
      nested: { deeper: { token: 'two levels down is not looked at' } },
    })
    expect(input).toEqual({ prompt: 'private words', size: '1K' })
  })

  it('copies nothing when a line has nothing to redact', () => {
    const fields = { route: '/trpc/*', status: 200, timing: { ms: 1.2 } }
    expect(redactLogFields(fields)).toBe(fields)
    const redacted = redactLogFields({ ...fields, cookie: 'nbl_session=abc' })
    expect(redacted).toEqual({ ...fields, cookie: '[redacted]' })
    expect(redacted.timing).toBe(fields.timing)
  })

  it('never writes an API key or a prompt to the log', () => {
    const text = JSON.stringify(lines)
    expect(text).not.toContain(apiKey)
    expect(text).not.toContain('secret lighthouse')
  })
})

describe('GET /metrics', () => {
  it('needs the metrics token when one is configured', async () => {
    expect((await app.request('/metrics')).status).toBe(401)
    const wrong = await app.request('/metrics', {
      headers: { authorization: 'Bearer wrong-token-wrong-token' },
    })
    expect(wrong.status).toBe(401)
  })

  it('counts requests, procedures, provider attempts, quota rejections, queue depth and breakers', async () => {
    // The daily limit is 3 (earlier tests spent some): generate until one is refused.
    let status = 200
    for (let i = 0; i < 4 && status === 200; i++) status = (await generate(`fill ${i}`)).status
    expect(status).toBe(429)
    const text = await scrape()
    expect(text).toMatch(/nbl_http_requests_total\{method="POST",route="\/trpc\/\*",status="200"\} \d+/)
    expect(text).toMatch(
      /nbl_trpc_requests_total\{procedure="generate.image",type="mutation",code="OK"\} \d+/,
    )
    expect(text).toMatch(
      /nbl_trpc_request_duration_seconds_bucket\{le="0.005",procedure="generate.image",type="mutation"\}/,
    )
    expect(text).toMatch(
      /nbl_provider_attempts_total\{provider="local",kind="image",outcome="succeeded",error_class=""\} \d+/,
    )
    expect(text).toMatch(/nbl_provider_latency_seconds_count\{provider="local",kind="image"\} \d+/)
    expect(text).toMatch(/nbl_generations_total\{kind="image",provider="local",outcome="succeeded"\} [1-9]/)
    expect(text).toMatch(/nbl_quota_rejections_total\{app_code="QUOTA_EXCEEDED"\} [1-9]/)
    expect(text).toMatch(/nbl_job_queue_depth 0/)
    expect(text).toMatch(/nbl_provider_breaker_state\{provider="local",kind="image",state="closed"\} 1/)
    expect(text).toContain('nodejs_eventloop_lag_seconds')
  })
})
