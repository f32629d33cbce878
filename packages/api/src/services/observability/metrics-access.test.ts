/** Who may read `GET /metrics`: a token's bearer, else only clients on loopback or private networks. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../../../test/harness.js'
import { createApp } from '../../http.js'
import { createAppMetrics } from './metrics.js'

const peerFromHeader = {
  getConnInfo: (c: { req: { header(name: string): string | undefined } }) => ({
    remote: { address: c.req.header('x-test-peer') ?? '8.8.8.8' },
  }),
}

let harness: Harness
beforeAll(async () => {
  harness = await createHarness()
})
afterAll(() => harness.close())

function appWith(metricsToken?: string) {
  const deps = {
    ...harness.deps,
    metrics: createAppMetrics({ defaultMetrics: false }),
    config: { ...harness.deps.config, ...(metricsToken ? { metricsToken } : {}) },
  }
  return createApp(deps, peerFromHeader as never)
}

describe('GET /metrics access', () => {
  it('without a token, answers loopback and private clients and refuses public ones', async () => {
    const app = appWith()
    for (const peer of ['127.0.0.1', '10.1.2.3', '::1']) {
      const response = await app.request('/metrics', { headers: { 'x-test-peer': peer } })
      expect(response.status, peer).toBe(200)
      expect(await response.text()).toContain('nbl_http_requests_total')
    }
    const outside = await app.request('/metrics', { headers: { 'x-test-peer': '8.8.8.8' } })
    expect(outside.status).toBe(403)
  })

  it('with a token, answers its bearer from anywhere and nobody else', async () => {
    const app = appWith('a-metrics-token-of-enough-length')
    const bearer = { authorization: 'Bearer a-metrics-token-of-enough-length', 'x-test-peer': '8.8.8.8' }
    expect((await app.request('/metrics', { headers: bearer })).status).toBe(200)
    expect((await app.request('/metrics', { headers: { 'x-test-peer': '127.0.0.1' } })).status).toBe(401)
  })
})
