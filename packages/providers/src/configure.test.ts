import { describe, expect, it } from 'vitest'
import { createConfiguredProviders } from './configure.js'

const names = (list: { name: string }[]) => list.map((provider) => provider.name)

describe('createConfiguredProviders', () => {
  it('enables only the offline local provider without keys', () => {
    const configured = createConfiguredProviders({})
    expect(names(configured.providers)).toEqual(['local'])
    expect(names(configured.videoProviders)).toEqual(['local'])
  })

  it('adds every provider that has credentials, image and video sides alike', () => {
    const configured = createConfiguredProviders({
      google: { apiKey: 'g' },
      openai: { apiKey: 'o' },
      openrouter: { apiKey: 'r' },
      flux: { apiKey: 'f' },
      runway: { apiKey: 'w' },
      replicate: { apiKey: 'p' },
      kling: { accessKey: 'a', secretKey: 's' },
    })
    expect(names(configured.providers)).toEqual([
      'google',
      'openai',
      'openrouter',
      'flux',
      'runway',
      'replicate',
      'kling',
      'local',
    ])
    expect(names(configured.videoProviders)).toEqual(['google', 'runway', 'kling', 'local'])
  })

  it('honours the configured model and reports what it left out', () => {
    const configured = createConfiguredProviders({
      google: { apiKey: 'g', model: 'gemini-2.5-flash-image' },
      flux: { apiKey: 'f', enabled: false },
      kling: { accessKey: 'a', enabled: true },
      local: { enabled: false },
    })
    expect(configured.providers.map((provider) => provider.defaultModel)).toEqual(['gemini-2.5-flash-image'])
    expect(configured.skipped).toEqual([
      { name: 'flux', reason: 'disabled' },
      { name: 'kling', reason: 'enabled but no credentials configured' },
      { name: 'local', reason: 'disabled' },
    ])
  })
})
