/**
 * @module The upstream of the gateway benchmark, in its own process: the OpenAI contract fake with a
 * fixed delay (`node --import tsx fake-upstream.ts <latencyMs>`), so its CPU is neither the server's nor
 * the load generator's. Prints one JSON line `{ url, baseUrl, apiKey }` once it listens; SIGTERM stops it.
 */
import { startOpenAIFake } from '@nbl/providers/fakes'

const latencyMs = Number(process.argv[2] ?? 0)
const fake = await startOpenAIFake({ latencyMs })
process.stdout.write(`${JSON.stringify({ url: fake.url, baseUrl: fake.baseUrl, apiKey: fake.apiKey })}\n`)

// The fake records every request for tests; a long benchmark must not keep them all.
const trim = setInterval(() => fake.reset(), 1000)
process.on('SIGTERM', () => {
  clearInterval(trim)
  void fake.close().then(() => process.exit(0))
})
