import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

const load = (env: Record<string, string>) => loadConfig(env, { dataDir: '/tmp/nbl-config-test' })

describe('auth configuration', () => {
  it('has no GitHub sign-in and only the own origin by default', () => {
    const config = load({})
    expect(config.github).toBeUndefined()
    expect(config.authRedirectOrigins).toEqual([])
  })

  it('reads GitHub (Enterprise) settings and the redirect origins', () => {
    const config = load({
      GITHUB_CLIENT_ID: 'id',
      GITHUB_CLIENT_SECRET: 'secret',
      GITHUB_OAUTH_BASE_URL: 'https://github.example.com/',
      GITHUB_API_BASE_URL: 'https://github.example.com/api/v3',
      AUTH_REDIRECT_ORIGINS: 'https://app.example/, http://localhost:5173',
    })
    expect(config.github).toEqual({
      clientId: 'id',
      clientSecret: 'secret',
      oauthBaseUrl: 'https://github.example.com',
      apiBaseUrl: 'https://github.example.com/api/v3',
    })
    expect(config.authRedirectOrigins).toEqual(['https://app.example', 'http://localhost:5173'])
    expect(load({ GITHUB_CLIENT_ID: 'id', GITHUB_CLIENT_SECRET: 'secret' }).github).toMatchObject({
      oauthBaseUrl: 'https://github.com',
      apiBaseUrl: 'https://api.github.com',
    })
  })

  it('refuses half a GitHub app and bad origins', () => {
    expect(() => load({ GITHUB_CLIENT_ID: 'id' })).toThrow(ConfigError)
    expect(() => load({ AUTH_REDIRECT_ORIGINS: 'not a url' })).toThrow(ConfigError)
  })
})
