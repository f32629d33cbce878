import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { silentLogger } from '@nbl/api'
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'
import { buildDeps } from '../src/deps.js'

const load = (env: Record<string, string>) => loadConfig(env, { dataDir: '/tmp/nbl-config-test' })

describe('moderation configuration', () => {
  it('uses the keyword filter alone by default, keyword-only for generation and closed for public texts', () => {
    expect(load({}).moderation).toEqual({
      blocklist: [],
      allowlist: [],
      onError: { generation: 'keyword-only', public: 'closed' },
    })
  })

  it('reads the lists and the fail modes', () => {
    const { moderation } = load({
      MODERATION_BLOCKLIST: ' acme , /project\\s*x/i ,',
      MODERATION_ALLOWLIST: 'nude palette,Moby Dick',
      MODERATION_BLOCKLIST_FILE: 'moderation/blocklist.txt',
      MODERATION_ON_ERROR_GENERATION: 'closed',
      MODERATION_ON_ERROR_PUBLIC: 'keyword-only',
    })
    expect(moderation).toEqual({
      blocklist: ['acme', '/project\\s*x/i'],
      allowlist: ['nude palette', 'Moby Dick'],
      blocklistFile: 'moderation/blocklist.txt',
      onError: { generation: 'closed', public: 'keyword-only' },
    })
  })

  it('borrows the OpenAI provider key for the AI moderator only towards its own base URL', () => {
    expect(load({ MODERATION_AI: 'openai', PROVIDER_OPENAI_API_KEY: 'sk-provider' }).moderation.ai).toEqual({
      provider: 'openai',
      apiKey: 'sk-provider',
      baseUrl: 'https://api.openai.com/v1',
      model: 'omni-moderation-latest',
      timeoutMs: 3000,
    })
    expect(
      load({
        MODERATION_AI: 'openai',
        PROVIDER_OPENAI_API_KEY: 'sk-provider',
        PROVIDER_OPENAI_BASE_URL: 'https://gateway.example/v1/',
        MODERATION_TIMEOUT_MS: '1500',
        MODERATION_MODEL: 'omni-moderation-2024-09-26',
      }).moderation.ai,
    ).toMatchObject({
      apiKey: 'sk-provider',
      baseUrl: 'https://gateway.example/v1',
      model: 'omni-moderation-2024-09-26',
      timeoutMs: 1500,
    })
    expect(
      load({
        MODERATION_AI: 'openai',
        MODERATION_API_KEY: 'sk-moderation',
        MODERATION_BASE_URL: 'https://moderation.example/v1',
      }).moderation.ai,
    ).toMatchObject({ apiKey: 'sk-moderation', baseUrl: 'https://moderation.example/v1' })
    // Another base URL never receives the provider's key.
    expect(() =>
      load({
        MODERATION_AI: 'openai',
        PROVIDER_OPENAI_API_KEY: 'sk-provider',
        MODERATION_BASE_URL: 'https://moderation.example/v1',
      }),
    ).toThrow(/MODERATION_API_KEY/)
    expect(() => load({ MODERATION_AI: 'openai' })).toThrow(ConfigError)
  })

  it.each<Record<string, string>>([
    { MODERATION_AI: 'perspective' },
    { MODERATION_ON_ERROR_PUBLIC: 'sometimes' },
    { MODERATION_TIMEOUT_MS: '0' },
    { MODERATION_BASE_URL: 'ftp://moderation.example' },
    { MODERATION_BLOCKLIST: '/unclosed(/' },
    { MODERATION_ALLOWLIST: '***' },
  ])('refuses %o', (env) => {
    expect(() => load(env)).toThrow(ConfigError)
  })

  it('builds the service with the block list file, and refuses a missing or bad file', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'nbl-moderation-deps-'))
    const file = join(dataDir, 'blocklist.txt')
    await writeFile(file, '# house rules\nacme\n/project\\s*x\\d+/\n')
    const build = (env: Record<string, string>) =>
      buildDeps({
        config: loadConfig(env, { dataDir }),
        secretKey: 'test-secret-test-secret-test-secret',
        logger: silentLogger,
        version: 'test',
      })
    try {
      const built = await build({ MODERATION_BLOCKLIST_FILE: file, MODERATION_ALLOWLIST: 'nude palette' })
      try {
        const verdict = (text: string) =>
          built.deps.moderation.assertAllowed({ texts: [text], purpose: 'generation' }).then(
            () => 'allowed',
            (error: { details?: { reason?: string } }) => error.details?.reason,
          )
        expect(await verdict('the ACME logo')).toBe('blocklist')
        expect(await verdict('project x7')).toBe('blocklist')
        expect(await verdict('p0rn')).toBe('sexual')
        expect(await verdict('a nude palette')).toBe('allowed')
        expect(await verdict('a lighthouse')).toBe('allowed')
      } finally {
        await built.close()
      }
      await expect(build({ MODERATION_BLOCKLIST_FILE: join(dataDir, 'missing.txt') })).rejects.toThrow(
        /MODERATION_BLOCKLIST_FILE: cannot read/,
      )
      await writeFile(file, '/unclosed(/\n')
      await expect(build({ MODERATION_BLOCKLIST_FILE: file })).rejects.toThrow(ConfigError)
    } finally {
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
