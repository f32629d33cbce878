import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../src/config.js'

const load = (env: Record<string, string>) => loadConfig(env, { dataDir: '/tmp/nbl-config-test' })

describe('prompt suggestion configuration', () => {
  it('uses the rule-based improver unless a text model is configured', () => {
    expect(load({}).promptSuggest).toBeUndefined()
  })

  it('reads an OpenAI-compatible chat-completions endpoint', () => {
    expect(
      load({
        PROMPT_SUGGEST_BASE_URL: 'http://127.0.0.1:11434/v1/',
        PROMPT_SUGGEST_MODEL: 'llama3.2',
      }).promptSuggest,
    ).toEqual({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.2' })
    expect(
      load({
        PROMPT_SUGGEST_BASE_URL: 'https://openrouter.ai/api/v1',
        PROMPT_SUGGEST_API_KEY: 'or-key',
        PROMPT_SUGGEST_MODEL: 'openai/gpt-4o-mini',
      }).promptSuggest,
    ).toEqual({ baseUrl: 'https://openrouter.ai/api/v1', apiKey: 'or-key', model: 'openai/gpt-4o-mini' })
  })

  it('defaults to the OpenAI provider’s key and base URL', () => {
    expect(load({ PROVIDER_OPENAI_API_KEY: 'sk-openai' }).promptSuggest).toEqual({
      baseUrl: 'https://api.openai.com/v1',
      apiKey: 'sk-openai',
      model: 'gpt-4o-mini',
    })
    expect(
      load({
        PROVIDER_OPENAI_API_KEY: 'sk-openai',
        PROVIDER_OPENAI_BASE_URL: 'https://gateway.example.com/v1',
        PROMPT_SUGGEST_MODEL: 'gpt-4.1-nano',
      }).promptSuggest,
    ).toEqual({ baseUrl: 'https://gateway.example.com/v1', apiKey: 'sk-openai', model: 'gpt-4.1-nano' })
    // Switched off for images: not used for suggestions either.
    expect(
      load({ PROVIDER_OPENAI_API_KEY: 'sk-openai', PROVIDER_OPENAI_ENABLED: 'false' }).promptSuggest,
    ).toBeUndefined()
  })

  it('never sends the OpenAI key to another endpoint', () => {
    expect(
      load({
        PROVIDER_OPENAI_API_KEY: 'sk-openai',
        PROMPT_SUGGEST_BASE_URL: 'https://llm.example.com/v1',
      }).promptSuggest,
    ).toEqual({ baseUrl: 'https://llm.example.com/v1', model: 'gpt-4o-mini' })
  })

  it('names a bad base URL', () => {
    expect(() => load({ PROMPT_SUGGEST_BASE_URL: 'ftp://llm.example.com' })).toThrow(ConfigError)
    expect(() => load({ PROMPT_SUGGEST_BASE_URL: 'ftp://llm.example.com' })).toThrow(
      /PROMPT_SUGGEST_BASE_URL/,
    )
  })
})
