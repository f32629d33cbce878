import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

const load = (env: Record<string, string>) => loadConfig(env, { dataDir: '/tmp/nbl-config-test' })

describe('abuse-limit configuration', () => {
  it('defaults to 60 generations and 20 auth calls a minute, no proxy trust and no CORS origins', () => {
    const config = load({})
    expect(config.rateLimits).toEqual({ generatePerMinute: 60, authPerMinute: 20 })
    expect(config.trustProxy).toBe(false)
    expect(config.corsOrigins).toEqual([])
  })

  it('reads the limits, TRUST_PROXY and a comma-separated CORS_ORIGINS list', () => {
    const config = load({
      RATE_LIMIT_GENERATE_PER_MINUTE: '5',
      RATE_LIMIT_AUTH_PER_MINUTE: '0',
      TRUST_PROXY: 'true',
      CORS_ORIGINS: 'https://app.example/, http://localhost:5173 ,',
    })
    expect(config.rateLimits).toEqual({ generatePerMinute: 5, authPerMinute: 0 })
    expect(config.trustProxy).toBe(true)
    expect(config.corsOrigins).toEqual(['https://app.example', 'http://localhost:5173'])
  })

  it('names a bad value', () => {
    expect(() => load({ CORS_ORIGINS: 'not a url' })).toThrow(ConfigError)
    expect(() => load({ CORS_ORIGINS: 'ftp://files.example' })).toThrow(/CORS_ORIGINS/)
    expect(() => load({ RATE_LIMIT_AUTH_PER_MINUTE: '-1' })).toThrow(/RATE_LIMIT_AUTH_PER_MINUTE/)
  })
})
