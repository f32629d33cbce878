/**
 * @module The body of a successful `POST /v1/images/generations` as bytes. `JSON.stringify` would scan
 * every base64 image for characters to escape (base64 has none) into one string, and the socket write
 * would encode that string once more: twice the image's size in copies and scans per call (a 4K image is
 * megabytes of base64), ~35 µs for a 1K PNG (bench/README.md round 5). Here the JSON around the images is
 * stringified with each `b64_json` empty, and the base64 is written into its place once.
 */

/** One entry of `data`: the image's bytes (sent as `b64_json`) or its URL. */
export type AnswerImage = ({ bytes: Uint8Array } | { url: string }) & { revised_prompt?: string }

/** Where an empty `b64_json` value starts: unescaped quotes occur in JSON only around keys and strings. */
const EMPTY_B64 = '"b64_json":""'
const VALUE_AT = EMPTY_B64.length - 1

export function openAIImagesAnswer(answer: {
  created: number
  data: readonly AnswerImage[]
  nbl: Record<string, unknown>
}): Uint8Array<ArrayBuffer> {
  const images: Uint8Array[] = []
  const data = answer.data.map((entry) => {
    if (!('bytes' in entry)) return entry
    images.push(entry.bytes)
    const { bytes: _sentBelow, ...rest } = entry
    return { b64_json: '', ...rest }
  })
  const json = JSON.stringify({ created: answer.created, data, nbl: answer.nbl })
  if (images.length === 0) return new TextEncoder().encode(json)
  const pieces: string[] = []
  let from = 0
  for (let index = 0; index < images.length; index++) {
    const at = json.indexOf(EMPTY_B64, from) + VALUE_AT
    pieces.push(json.slice(from, at))
    from = at
  }
  pieces.push(json.slice(from))
  const encoded = images.map((bytes) =>
    Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'),
  )
  let length = 0
  for (const piece of pieces) length += Buffer.byteLength(piece)
  for (const base64 of encoded) length += base64.length
  const body = Buffer.allocUnsafe(length)
  let offset = 0
  for (let index = 0; index < pieces.length; index++) {
    offset += body.write(pieces[index] as string, offset, 'utf8')
    const base64 = encoded[index]
    if (base64 !== undefined) offset += body.write(base64, offset, 'latin1')
  }
  // allocUnsafe hands out ArrayBuffers (pooled below 4 KiB); this is a view of only the body's bytes.
  return new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.byteLength)
}
