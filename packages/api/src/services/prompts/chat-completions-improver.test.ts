import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  completionWith,
  type FakeChatCompletions,
  startFakeChatCompletions,
} from '../../../test/chat-completions-fake.js'
import type { AppLogger } from '../../deps.js'
import { createChatCompletionsPromptImprover } from './chat-completions-improver.js'
import { suggestWithRules } from './rules-improver.js'

let fake: FakeChatCompletions

beforeAll(async () => {
  fake = await startFakeChatCompletions()
})
afterAll(() => fake.close())

const improver = () =>
  createChatCompletionsPromptImprover({
    baseUrl: fake.baseUrl,
    apiKey: 'sk-test',
    model: 'gpt-test',
    timeoutMs: 2000,
  })

describe('chat-completions prompt improver', () => {
  it('asks the model with the configured key and model, and returns its validated suggestions', async () => {
    fake.requests.length = 0
    const suggestions = [
      { prompt: 'a red fox in fresh snow, soft morning light, 85mm photo', reason: 'Adds light and lens.' },
      { prompt: 'a red fox, watercolor, muted palette', reason: 'Adds a style.' },
    ]
    fake.answer({ status: 200, json: completionWith(JSON.stringify({ suggestions })) })
    const result = await improver().suggest('a red fox', 2)
    expect(result).toEqual({ suggestions, source: 'provider' })

    expect(fake.requests).toHaveLength(1)
    const [request] = fake.requests
    expect(request?.method).toBe('POST')
    expect(request?.path).toBe('/v1/chat/completions')
    expect(request?.headers.authorization).toBe('Bearer sk-test')
    expect(request?.headers['content-type']).toBe('application/json')
    const body = request?.body as { model: string; messages: { role: string; content: string }[] }
    expect(body.model).toBe('gpt-test')
    expect(body.messages.map((message) => message.role)).toEqual(['system', 'user'])
    expect(body.messages[0]?.content).toContain('JSON')
    expect(JSON.parse(body.messages[1]?.content ?? '')).toEqual({ prompt: 'a red fox', count: 2 })
  })

  it('accepts JSON in a Markdown fence and keeps at most `count` suggestions', async () => {
    const many = [1, 2, 3].map((index) => ({ prompt: `fox ${index}`, reason: `reason ${index}` }))
    fake.answer({
      status: 200,
      json: completionWith(`\`\`\`json\n${JSON.stringify({ suggestions: many })}\n\`\`\``),
    })
    const result = await improver().suggest('fox', 2)
    expect(result).toEqual({ suggestions: many.slice(0, 2), source: 'provider' })
  })

  it.each([
    ['an HTTP error', { status: 429, json: { error: { message: 'slow down' } } }],
    ['a non-JSON body', { status: 200, text: 'not json' }],
    ['content that is not JSON', { status: 200, json: completionWith('Here are some ideas: ...') }],
    ['JSON of the wrong shape', { status: 200, json: completionWith(JSON.stringify({ ideas: ['x'] })) }],
    ['an empty suggestion list', { status: 200, json: completionWith(JSON.stringify({ suggestions: [] })) }],
  ] as const)('falls back to the rules on %s', async (_, answer) => {
    fake.answer(answer)
    const result = await improver().suggest('a red fox', 3)
    expect(result).toEqual({ suggestions: suggestWithRules('a red fox', 3), source: 'rules' })
  })

  it("logs a failure to the request's logger when given one, else to its own", async () => {
    const lines: { logger: string; message: string | undefined }[] = []
    const recording = (name: string): AppLogger => ({
      debug() {},
      info() {},
      error() {},
      warn(_object, message) {
        lines.push({ logger: name, message })
      },
    })
    const withLogger = createChatCompletionsPromptImprover({
      baseUrl: fake.baseUrl,
      apiKey: 'sk-test',
      model: 'gpt-test',
      logger: recording('own'),
    })
    fake.answer({ status: 503, json: { error: { message: 'overloaded' } } })
    await withLogger.suggest('a red fox', 1, undefined, recording('request'))
    fake.answer({ status: 503, json: { error: { message: 'overloaded' } } })
    await withLogger.suggest('a red fox', 1)
    expect(lines.map((line) => line.logger)).toEqual(['request', 'own'])
    expect(lines[0]?.message).toContain('using the rules')
  })

  it('falls back to the rules when the model does not answer in time', async () => {
    fake.answer({ hang: true })
    const slow = createChatCompletionsPromptImprover({
      baseUrl: fake.baseUrl,
      model: 'gpt-test',
      timeoutMs: 200,
    })
    const result = await slow.suggest('a red fox', 1)
    expect(result.source).toBe('rules')
    // No key configured: no Authorization header is sent.
    expect(fake.requests.at(-1)?.headers.authorization).toBeUndefined()
  })
})
