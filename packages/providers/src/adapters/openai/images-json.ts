/**
 * @module An Images API answer parsed from its bytes with the base64 images lifted out first. `JSON.parse`
 * of the whole text decodes the body into one string and copies every image into another while scanning
 * it for escapes: for a 1K PNG ~43 kB of the ~200 kB a generation allocates (V8's sampling heap profiler,
 * bench/README.md round 5), for a 4K image megabytes. Here each `"b64_json": "..."` value (base64: no
 * quotes, no escapes) is cut out of the bytes, the rest is parsed as usual, and each image becomes one
 * string read straight from the bytes. Anything unexpected (an escape in the value, a count that does not
 * match) falls back to parsing the whole text.
 */
const KEY = Buffer.from('"b64_json"')
const QUOTE = 0x22
const BACKSLASH = 0x5c
const COLON = 0x3a

/** The parsed JSON, with every image's `b64_json` in place; undefined when the bytes are not JSON. */
export function parseImagesJson(bytes: Buffer): unknown {
  const spans: [start: number, end: number][] = []
  for (let from = 0; ; ) {
    const key = bytes.indexOf(KEY, from)
    if (key === -1) break
    let at = skipSpace(bytes, key + KEY.length)
    if (bytes[at] !== COLON) return parseText(bytes.toString('utf8'))
    at = skipSpace(bytes, at + 1)
    // `null`, or not a string at all: nothing to lift out here.
    if (bytes[at] !== QUOTE) {
      from = at
      continue
    }
    const start = at + 1
    const end = bytes.indexOf(QUOTE, start)
    const backslash = bytes.indexOf(BACKSLASH, start)
    if (end === -1 || (backslash !== -1 && backslash < end)) return parseText(bytes.toString('utf8'))
    spans.push([start, end])
    from = end + 1
  }
  if (spans.length === 0) return parseText(bytes.toString('utf8'))
  let rest = ''
  let copied = 0
  for (const [start, end] of spans) {
    rest += bytes.toString('utf8', copied, start)
    copied = end
  }
  rest += bytes.toString('utf8', copied)
  const json = parseText(rest)
  const data = (json as { data?: unknown } | undefined)?.data
  const emptied = Array.isArray(data)
    ? data.filter(
        (item): item is { b64_json: string } =>
          typeof item === 'object' && item !== null && (item as { b64_json?: unknown }).b64_json === '',
      )
    : []
  // Every lifted value must be an image of `data`, in order; otherwise read it all the usual way.
  if (emptied.length !== spans.length) return parseText(bytes.toString('utf8'))
  emptied.forEach((item, index) => {
    const [start, end] = spans[index] as [number, number]
    item.b64_json = bytes.toString('latin1', start, end)
  })
  return json
}

function skipSpace(bytes: Buffer, at: number): number {
  let index = at
  while (bytes[index] === 0x20 || bytes[index] === 0x0a || bytes[index] === 0x0d || bytes[index] === 0x09)
    index++
  return index
}

function parseText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}
