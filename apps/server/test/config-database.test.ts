import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

const load = (env: Record<string, string>) => loadConfig(env, { dataDir: '/tmp/nbl-config-test' })

describe('database configuration', () => {
  it('defaults to a pool of 10 with the hot statements named', () => {
    const config = load({ DATABASE_URL: 'postgres://db.internal/nbl' })
    expect(config.databaseUrl).toBe('postgres://db.internal/nbl')
    expect(config.databasePoolMax).toBe(10)
    expect(config.databasePreparedStatements).toBe(true)
  })

  it('sends every statement unnamed when told (a pooler in transaction mode)', () => {
    const config = load({ DATABASE_PREPARED_STATEMENTS: 'false', DATABASE_POOL_MAX: '4' })
    expect(config.databasePreparedStatements).toBe(false)
    expect(config.databasePoolMax).toBe(4)
  })

  it('names a bad value', () => {
    expect(() => load({ DATABASE_PREPARED_STATEMENTS: 'sometimes' })).toThrow(ConfigError)
    expect(() => load({ DATABASE_PREPARED_STATEMENTS: 'sometimes' })).toThrow(/DATABASE_PREPARED_STATEMENTS/)
    expect(() => load({ DATABASE_URL: 'mysql://db.internal/nbl' })).toThrow(/DATABASE_URL/)
  })
})
