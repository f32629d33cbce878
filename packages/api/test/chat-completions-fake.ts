/**
 * @module A fake OpenAI-compatible chat-completions server on loopback: records every request
 * (path, headers, JSON body) and answers what the test scripted for the next one.
 */
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface RecordedRequest {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: unknown
}

/** What the next request gets: a JSON body with a status, raw text, or no answer (a hang). */
export type ScriptedAnswer =
  | { status: number; json: unknown }
  | { status: number; text: string }
  | { hang: true }

export interface FakeChatCompletions {
  /** `http://127.0.0.1:<port>/v1` */
  baseUrl: string
  requests: RecordedRequest[]
  /** Queues answers for the coming requests, in order; when none is queued the reply is a 500. */
  answer(...answers: ScriptedAnswer[]): void
  close(): Promise<void>
}

/** A chat-completions response whose message content is `content`. */
export function completionWith(content: string): unknown {
  return {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1_700_000_000,
    model: 'test-model',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 10, completion_tokens: 20, total_tokens: 30 },
  }
}

export async function startFakeChatCompletions(): Promise<FakeChatCompletions> {
  const requests: RecordedRequest[] = []
  const queue: ScriptedAnswer[] = []
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const raw = Buffer.concat(chunks).toString('utf8')
    let body: unknown = raw
    try {
      body = JSON.parse(raw)
    } catch {
      // Keep the raw text: the assertion on it will show what was sent.
    }
    requests.push({ method: request.method ?? '', path: request.url ?? '', headers: request.headers, body })
    const next = queue.shift() ?? { status: 500, json: { error: { message: 'nothing scripted' } } }
    if ('hang' in next) return
    if ('json' in next) {
      response.writeHead(next.status, { 'content-type': 'application/json' })
      response.end(JSON.stringify(next.json))
    } else {
      response.writeHead(next.status, { 'content-type': 'text/plain' })
      response.end(next.text)
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    answer(...answers) {
      queue.push(...answers)
    },
    async close() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
