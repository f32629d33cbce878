/**
 * @module A local fake of OpenAI's moderation endpoint (`POST /v1/moderations`): records each
 * request and answers with a verdict, an error status, garbage, or nothing at all.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedModerationRequest {
  method: string
  path: string
  headers: IncomingHttpHeaders
  body: unknown
}

/** What the fake does with the next requests. */
export type ModerationFakeBehaviour =
  | { kind: 'verdict'; flag: (texts: string[]) => string[] }
  | { kind: 'status'; status: number }
  | { kind: 'garbage' }
  | { kind: 'hang' }

export interface ModerationFake {
  baseUrl: string
  apiKey: string
  requests: RecordedModerationRequest[]
  behave(behaviour: ModerationFakeBehaviour): void
  close(): Promise<void>
}

/** The categories omni-moderation-latest reports, all present in every result. */
const CATEGORIES = [
  'harassment',
  'harassment/threatening',
  'hate',
  'hate/threatening',
  'illicit',
  'illicit/violent',
  'self-harm',
  'self-harm/intent',
  'self-harm/instructions',
  'sexual',
  'sexual/minors',
  'violence',
  'violence/graphic',
]

/** By default the fake flags texts mentioning `dragon-fire` as violence (the keyword filter does not know it). */
export const flagDragonFire = (texts: string[]) =>
  texts.some((text) => text.includes('dragon-fire')) ? ['violence'] : []

export async function startModerationFake(): Promise<ModerationFake> {
  const requests: RecordedModerationRequest[] = []
  let behaviour: ModerationFakeBehaviour = { kind: 'verdict', flag: flagDragonFire }
  const hanging = new Set<() => void>()

  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8')
      let body: unknown = raw
      try {
        body = JSON.parse(raw)
      } catch {}
      requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body })
      const send = (status: number, payload: string) => {
        response.writeHead(status, { 'content-type': 'application/json' })
        response.end(payload)
      }
      if (behaviour.kind === 'hang') {
        hanging.add(() => response.destroy())
        return
      }
      if (behaviour.kind === 'status') {
        send(behaviour.status, JSON.stringify({ error: { message: 'fake failure', type: 'server_error' } }))
        return
      }
      if (behaviour.kind === 'garbage') {
        send(200, '<html>not json</html>')
        return
      }
      const input = (body as { input?: { type: string; text: string }[] }).input ?? []
      const flagged = behaviour.flag(input.map((part) => part.text))
      send(
        200,
        JSON.stringify({
          id: 'modr-fake',
          model: 'omni-moderation-latest',
          results: [
            {
              flagged: flagged.length > 0,
              categories: Object.fromEntries(
                CATEGORIES.map((category) => [category, flagged.includes(category)]),
              ),
              category_scores: Object.fromEntries(
                CATEGORIES.map((category) => [category, flagged.includes(category) ? 0.93 : 0.0004]),
              ),
              category_applied_input_types: Object.fromEntries(
                CATEGORIES.map((category) => [category, ['text']]),
              ),
            },
          ],
        }),
      )
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    apiKey: 'sk-moderation-fake',
    requests,
    behave(next) {
      behaviour = next
    },
    async close() {
      for (const release of hanging) release()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
