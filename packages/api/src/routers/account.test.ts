import { createScriptedProvider, type ScriptedProvider } from '@nbl/providers/testing'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { expectAppError } from '../../test/errors.js'
import { createHarness, type Harness } from '../../test/harness.js'

let harness: Harness
let openai: ScriptedProvider
let flux: ScriptedProvider

beforeAll(async () => {
  // openai first by priority but dear; flux cheap.
  openai = createScriptedProvider({
    name: 'openai',
    pricing: { perImageUsd: { '1K': 0.04, '2K': 0.17, '4K': 0.17 } },
  })
  flux = createScriptedProvider({
    name: 'flux',
    pricing: { perImageUsd: { '1K': 0.01, '2K': 0.01, '4K': 0.01 } },
  })
  harness = await createHarness({
    includeLocal: false,
    providers: [openai, flux],
    free: { cooldownSeconds: 0 },
  })
})
afterAll(() => harness.close())
beforeEach(() => {
  openai.calls.length = 0
  flux.calls.length = 0
})

describe('account.settings', () => {
  it('starts empty, saves partial updates and clears with null', async () => {
    const { caller } = await harness.createUser()
    expect(await caller.account.settings.get()).toEqual({
      resolution: null,
      aspectRatio: null,
      strategy: null,
      outputFormat: null,
    })
    await caller.account.settings.update({ resolution: '2K', strategy: 'cost' })
    await caller.account.settings.update({ aspectRatio: '16:9' })
    expect(await caller.account.settings.get()).toEqual({
      resolution: '2K',
      aspectRatio: '16:9',
      strategy: 'cost',
      outputFormat: null,
    })
    expect(await caller.account.settings.update({ strategy: null })).toMatchObject({ strategy: null })
    const error = await expectAppError(caller.account.settings.update({ resolution: '8K' as '4K' }))
    expect(error.appCode).toBe('VALIDATION')
  })

  it('fills omitted fields of a generation from the saved defaults, explicit input winning', async () => {
    const { caller } = await harness.createUser()
    const before = await caller.generate.image({ prompt: 'a cat' })
    expect(before.provider).toBe('openai')
    expect(before.quota.used).toBe(1)

    await caller.account.settings.update({ resolution: '2K', aspectRatio: '16:9', strategy: 'cost' })
    const saved = await caller.generate.image({ prompt: 'a cat' })
    expect(saved.provider).toBe('flux')
    expect(flux.calls.at(-1)).toMatchObject({ resolution: '2K', aspectRatio: '16:9' })
    expect(saved.quota.used - before.quota.used).toBe(2)

    const explicit = await caller.generate.image({ prompt: 'a cat', resolution: '1K', strategy: 'priority' })
    expect(explicit.provider).toBe('openai')
    expect(openai.calls.at(-1)).toMatchObject({ resolution: '1K', aspectRatio: '16:9' })
  })

  it('keeps one user’s defaults to that user', async () => {
    const a = await harness.createUser()
    const b = await harness.createUser()
    await a.caller.account.settings.update({ strategy: 'cost' })
    expect((await b.caller.generate.image({ prompt: 'x' })).provider).toBe('openai')
  })
})

describe('account.providers', () => {
  it('saves the order and exclusions, and the router follows them unless a provider is pinned', async () => {
    const { caller } = await harness.createUser()
    expect(await caller.account.providers.get()).toEqual({ order: [], exclude: [] })
    expect(await caller.account.providers.update({ exclude: ['openai'] })).toEqual({
      order: [],
      exclude: ['openai'],
    })
    const excluded = await caller.generate.image({ prompt: 'a dog' })
    expect(excluded.provider).toBe('flux')
    expect(openai.calls).toHaveLength(0)

    const pinned = await caller.generate.image({ prompt: 'a dog', provider: 'openai' })
    expect(pinned.provider).toBe('openai')

    await caller.account.providers.update({ order: ['flux', 'openai'], exclude: [] })
    expect(await caller.account.providers.get()).toEqual({ order: ['flux', 'openai'], exclude: [] })
    expect((await caller.generate.image({ prompt: 'a dog' })).provider).toBe('flux')
  })

  it('answers NO_CAPABLE_PROVIDER when every provider is excluded', async () => {
    const { caller } = await harness.createUser()
    await caller.account.providers.update({ exclude: ['openai', 'flux'] })
    const error = await expectAppError(caller.generate.image({ prompt: 'nothing' }))
    expect(error.appCode).toBe('NO_CAPABLE_PROVIDER')
    expect((await caller.quota.status()).used).toBe(0)
  })
})
