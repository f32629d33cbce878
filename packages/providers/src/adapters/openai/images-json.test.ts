import { describe, expect, it, vi } from 'vitest'
import { parseImagesJson } from './images-json.js'

const png = Buffer.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 1, 2, 250, 251, 252, 253, 254, 255,
])
const b64 = png.toString('base64')

/** The parser must read every body exactly as `JSON.parse` reads its text. */
const same = (text: string) => expect(parseImagesJson(Buffer.from(text))).toEqual(JSON.parse(text))

describe('parseImagesJson', () => {
  it('reads an answer as JSON.parse does, images included', () => {
    same(JSON.stringify({ created: 1, data: [{ b64_json: b64 }], usage: { total_tokens: 10 } }))
    same(
      JSON.stringify({
        created: 1,
        data: [{ b64_json: b64, revised_prompt: 'a' }, { b64_json: `${b64}AA==` }],
      }),
    )
  })

  it('parses the JSON around the images only: no image passes through JSON.parse', () => {
    const parse = vi.spyOn(JSON, 'parse')
    try {
      const text = JSON.stringify({ created: 1, data: [{ b64_json: b64 }, { b64_json: b64 }] }, null, 1)
      expect(parseImagesJson(Buffer.from(text))).toEqual({
        created: 1,
        data: [{ b64_json: b64 }, { b64_json: b64 }],
      })
      expect(parse.mock.calls.map(([parsed]) => String(parsed).includes(b64))).toEqual([false])
    } finally {
      parse.mockRestore()
    }
  })

  it('reads pretty-printed answers, and text that mentions its key inside strings', () => {
    same(JSON.stringify({ created: 1, data: [{ b64_json: b64 }] }, null, 2))
    same(
      JSON.stringify({
        data: [{ revised_prompt: 'say "b64_json": "xyz" \\ and \u2014 \u{1F34C}', b64_json: b64 }],
        note: '"b64_json":"',
      }),
    )
  })

  it('falls back to parsing it all when a value has an escape, or a value is not one of the images', () => {
    const escaped = `{"created":1,"data":[{"b64_json":"${b64.replaceAll('/', '\\/')}\\/"}]}`
    same(escaped)
    same(`{"data":[{"b64_json":"${b64}"}],"extra":{"b64_json":"${b64}"}}`)
    same(`{"data":[{"b64_json":null,"url":"https://x.example/a.png"}]}`)
    same(`{"data":[{"b64_json":""},{"b64_json":"${b64}"}]}`)
  })

  it('answers undefined for bodies that are not JSON', () => {
    expect(parseImagesJson(Buffer.from('<html>502</html>'))).toBeUndefined()
    expect(parseImagesJson(Buffer.from(`{"data":[{"b64_json":"${b64}"}`))).toBeUndefined()
    expect(parseImagesJson(Buffer.from(`{"data":[{"b64_json":"${b64}`))).toBeUndefined()
    expect(parseImagesJson(Buffer.from(''))).toBeUndefined()
  })
})
