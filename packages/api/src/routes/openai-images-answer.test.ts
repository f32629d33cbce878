import { describe, expect, it } from 'vitest'
import { openAIImagesAnswer } from './openai-images-answer.js'

const bytes = (...values: number[]) => new Uint8Array(values)
const base64 = (data: Uint8Array) => Buffer.from(data).toString('base64')
const read = (body: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(body))

/** What `JSON.stringify` of the same answer gives, the images as base64: the body must read the same. */
function expected(answer: Parameters<typeof openAIImagesAnswer>[0]) {
  return {
    created: answer.created,
    data: answer.data.map((entry) => {
      if (!('bytes' in entry)) return entry
      const { bytes: data, ...rest } = entry
      return { b64_json: base64(data), ...rest }
    }),
    nbl: answer.nbl,
  }
}

describe('openAIImagesAnswer', () => {
  it('reads as the JSON of the answer, images in base64, in order', () => {
    const answer = {
      created: 1_795_000_000,
      data: [
        { bytes: bytes(0, 1, 2, 253, 254, 255), revised_prompt: 'a banana' },
        { bytes: new Uint8Array(Buffer.from('x'.repeat(1000))) },
      ],
      nbl: { id: 'gen_1', provider: 'openai', quota: { used: 2, limit: null } },
    }
    const body = openAIImagesAnswer(answer)
    expect(read(body)).toEqual(expected(answer))
  })

  it('is not confused by prompts that spell out its markers, quotes or characters beyond ASCII', () => {
    const tricky = 'say "b64_json":"" then \\"b64_json\\":\\"\\" \u2014 \u{1F34C} \u0000 done'
    const answer = {
      created: 1,
      data: [
        { bytes: bytes(7, 7, 7), revised_prompt: tricky },
        { bytes: bytes(8), revised_prompt: '"b64_json":""' },
      ],
      nbl: { note: '"b64_json":""', nested: { b64_json: '' } },
    }
    expect(read(openAIImagesAnswer(answer))).toEqual(expected(answer))
  })

  it('sends URLs as they are, and a view into a larger buffer as only its own bytes', () => {
    const backing = Buffer.from([9, 9, 1, 2, 3, 9, 9])
    const view = new Uint8Array(backing.buffer, backing.byteOffset + 2, 3)
    const answer = {
      created: 2,
      data: [{ url: 'https://files.example/img_1.png?sig=abc' }, { bytes: view }],
      nbl: {},
    }
    const parsed = read(openAIImagesAnswer(answer)) as { data: unknown }
    expect(parsed.data).toEqual([
      { url: 'https://files.example/img_1.png?sig=abc' },
      { b64_json: base64(bytes(1, 2, 3)) },
    ])
    expect(read(openAIImagesAnswer({ created: 3, data: [], nbl: {} }))).toEqual({
      created: 3,
      data: [],
      nbl: {},
    })
  })
})
