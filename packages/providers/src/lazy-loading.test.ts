/**
 * @module What a server loads only when a call needs it (`lazy-module.ts`): text-to-image through the
 * `openai` adapter, the hot path, runs without the openai SDK and without undici's index.
 */
import { createRequire } from 'node:module'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createOpenAIProvider } from './adapters/openai/openai-adapter.js'
import { openAISdk } from './adapters/openai/openai-sdk.js'
import { tinyImage } from './fakes/media.js'
import { type OpenAIFake, startOpenAIFake } from './fakes/openai-fake.js'
import { lazyModule } from './lazy-module.js'
import { imageRequest } from './testing.js'

let fake: OpenAIFake

beforeAll(async () => {
  fake = await startOpenAIFake()
})
afterAll(() => fake.close())

/** CommonJS files this process has loaded (undici is CommonJS; importing it fills this cache). */
const loadedFiles = () => Object.keys(createRequire(import.meta.url).cache)

describe('lazyModule', () => {
  it('imports on the first load only, once for concurrent loads, and then knows the module', async () => {
    let imports = 0
    const lazy = lazyModule(async () => {
      imports++
      return { answer: 42 }
    })
    expect(imports).toBe(0)
    expect(lazy.loaded()).toBeUndefined()
    const [first, second] = await Promise.all([lazy.load(), lazy.load()])
    expect(imports).toBe(1)
    expect(first).toBe(second)
    expect(lazy.loaded()).toBe(first)
  })

  it('tries a failed import again on the next load', async () => {
    let imports = 0
    const lazy = lazyModule(async () => {
      if (++imports === 1) throw new Error('EMFILE: too many open files')
      return { answer: 42 }
    })
    await expect(lazy.load()).rejects.toThrow('EMFILE')
    expect(lazy.loaded()).toBeUndefined()
    await expect(lazy.load()).resolves.toEqual({ answer: 42 })
    expect(imports).toBe(2)
  })
})

describe('the openai adapter', () => {
  it("generates from text without the SDK or undici's index; an edit loads the SDK", async () => {
    const image = createOpenAIProvider({ apiKey: fake.apiKey, baseUrl: fake.baseUrl }).image
    await image.generateImage(imageRequest({ prompt: 'a ripe banana' }))
    expect(openAISdk.loaded()).toBeUndefined()
    expect(
      loadedFiles().some((file) => file.includes('undici') && file.endsWith('dispatcher/agent.js')),
    ).toBe(true)
    expect(loadedFiles().filter((file) => /[\\/]undici[\\/]index\.js$/.test(file))).toEqual([])

    const reference = { data: new Uint8Array(await tinyImage()), mimeType: 'image/png' as const }
    const edited = await image.generateImage(
      imageRequest({ prompt: 'the same banana, peeled', referenceImages: [reference] }),
    )
    expect(edited.images).toHaveLength(1)
    expect(openAISdk.loaded()).toBeDefined()
  })
})
