/** @module The Gemini contract fake itself: auth shapes, snake_case, the validation the real API does, real pixel sizes. */
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type GoogleFake, startGoogleFake } from './google-fake.js'

let fake: GoogleFake

beforeAll(async () => {
  fake = await startGoogleFake({ pendingPolls: 0 })
})
afterAll(async () => {
  await fake.close()
})

async function post(
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'x-goog-api-key': fake.apiKey },
) {
  const response = await fetch(`${fake.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  })
  return { status: response.status, json: (await response.json()) as any }
}

const generate = (model = 'gemini-3-pro-image-preview') => `/v1beta/models/${model}:generateContent`
const prompt = (text: string) => ({ contents: [{ role: 'user', parts: [{ text }] }] })

describe('google fake', () => {
  it('answers a missing key with 403 PERMISSION_DENIED and a wrong one with 400 API_KEY_INVALID', async () => {
    const missing = await post(generate(), prompt('fox'), {})
    expect(missing.status).toBe(403)
    expect(missing.json.error.status).toBe('PERMISSION_DENIED')
    const wrong = await post(generate(), prompt('fox'), { 'x-goog-api-key': 'nope' })
    expect(wrong.status).toBe(400)
    expect(wrong.json.error.details[0].reason).toBe('API_KEY_INVALID')
  })

  it('accepts the key as ?key= and snake_case request keys', async () => {
    const answer = await post(
      `${generate()}?key=${fake.apiKey}`,
      {
        contents: [
          {
            role: 'user',
            parts: [{ text: 'fox' }, { inline_data: { mime_type: 'image/png', data: 'iVBORw0KGgo=' } }],
          },
        ],
        generation_config: {
          response_modalities: ['TEXT', 'IMAGE'],
          image_config: { aspect_ratio: '4:5', image_size: '2K' },
        },
        tools: [{ google_search: {} }],
      },
      {},
    )
    expect(answer.status).toBe(200)
    const parts = answer.json.candidates[0].content.parts
    const final = parts.findLast((part: any) => part.inlineData && !part.thought)
    const metadata = await sharp(Buffer.from(final.inlineData.data, 'base64')).metadata()
    expect([metadata.width, metadata.height]).toEqual([1856, 2304])
    expect(answer.json.candidates[0].groundingMetadata.webSearchQueries).toEqual(['fox'])
    expect(answer.json.usageMetadata.candidatesTokensDetails[0]).toEqual({
      modality: 'IMAGE',
      tokenCount: 1120,
    })
  })

  it('rejects a lower-case imageSize, a data: prefix, and Vertex-only fields with 400 INVALID_ARGUMENT', async () => {
    const lower = await post(generate(), {
      ...prompt('fox'),
      generationConfig: { imageConfig: { imageSize: '2k' } },
    })
    expect([lower.status, lower.json.error.status]).toEqual([400, 'INVALID_ARGUMENT'])
    const prefixed = await post(generate(), {
      contents: [{ parts: [{ inlineData: { mimeType: 'image/png', data: 'data:image/png;base64,AAAA' } }] }],
    })
    expect(prefixed.status).toBe(400)
    const vertex = await post(generate(), {
      ...prompt('fox'),
      generationConfig: { imageConfig: { outputMimeType: 'image/jpeg' } },
    })
    expect(vertex.status).toBe(400)
    const fixed = await post(generate('gemini-2.5-flash-image'), {
      ...prompt('fox'),
      generationConfig: { imageConfig: { imageSize: '1K' } },
    })
    expect(fixed.status).toBe(400)
  })

  it('answers an unknown model with 404 NOT_FOUND', async () => {
    const answer = await post(generate('gemini-0-nope'), prompt('fox'))
    expect([answer.status, answer.json.error.status]).toEqual([404, 'NOT_FOUND'])
  })

  it('Veo: accepts a quoted duration, rejects 1080p shorter than 8 s', async () => {
    const path = '/v1beta/models/veo-3.1-generate-preview:predictLongRunning'
    const quoted = await post(path, { instances: [{ prompt: 'sea' }], parameters: { durationSeconds: '6' } })
    expect(quoted.status).toBe(200)
    expect(quoted.json.name).toMatch(/^models\/veo-3\.1-generate-preview\/operations\//)
    const short = await post(path, {
      instances: [{ prompt: 'sea' }],
      parameters: { resolution: '1080p', durationSeconds: 4 },
    })
    expect(short.status).toBe(400)
  })
})
