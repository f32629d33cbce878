/**
 * @module Router overhead per request (decision + bookkeeping): the same zero-latency provider
 * called directly and through the ProviderRouter, for each strategy. Prints a table and writes
 * bench/results/router-overhead.json.
 *
 * Run: pnpm --filter @nbl/bench bench   (or `pnpm bench` at the root)
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { cpus } from 'node:os'
import {
  createProviderRouter,
  type ImageGenerationRequest,
  type ImageGenerationResult,
  type ImageProvider,
  type ProviderName,
  STRATEGIES,
} from '@nbl/providers'

const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 50_000)
const WARMUP = 5_000

const result: ImageGenerationResult = {
  images: [{ data: new Uint8Array(16), mimeType: 'image/png', width: 1024, height: 1024 }],
  model: 'zero',
  costUsd: 0,
  warnings: [],
}

/** A provider that answers at once with a prebuilt result: what is measured is the router alone. */
function zeroLatencyProvider(name: ProviderName, price: number): ImageProvider {
  return {
    specificationVersion: 'v1',
    name,
    defaultModel: `${name}-zero`,
    capabilities: {
      kinds: ['image'],
      maxResolution: '4K',
      aspectRatios: ['1:1', '16:9'],
      maxReferenceImages: 4,
      searchGrounding: false,
      multiTurn: false,
      maxImagesPerCall: 4,
    },
    pricing: { perImageUsd: { '1K': price, '2K': price, '4K': price } },
    profile: { qualityScore: price, typicalLatencyMs: 1000 * price },
    generateImage: async () => result,
  }
}

const request: ImageGenerationRequest = {
  prompt: 'bench',
  resolution: '1K',
  aspectRatio: '1:1',
  count: 1,
  outputFormat: 'png',
  referenceImages: [],
  searchGrounding: false,
}

async function measure(
  label: string,
  call: () => Promise<unknown>,
): Promise<{ label: string; microsecondsPerCall: number }> {
  for (let index = 0; index < WARMUP; index++) await call()
  const startedAt = process.hrtime.bigint()
  for (let index = 0; index < ITERATIONS; index++) await call()
  const elapsedNs = Number(process.hrtime.bigint() - startedAt)
  return { label, microsecondsPerCall: elapsedNs / ITERATIONS / 1000 }
}

const providers = [
  zeroLatencyProvider('google', 0.13),
  zeroLatencyProvider('openai', 0.17),
  zeroLatencyProvider('flux', 0.04),
  zeroLatencyProvider('local', 0.01),
]
const router = createProviderRouter({ providers })
const direct = providers[0]!

const rows = [await measure('direct call (baseline)', () => direct.generateImage(request))]
for (const strategy of STRATEGIES) {
  rows.push(await measure(`router, ${strategy}`, () => router.generateImage(request, { strategy })))
}
rows.push(await measure('router, pinned provider', () => router.generateImage(request, { provider: 'flux' })))

const baseline = rows[0]!.microsecondsPerCall
const table = rows.map((row) => ({
  case: row.label,
  'µs/call': row.microsecondsPerCall.toFixed(2),
  'overhead µs': (row.microsecondsPerCall - baseline).toFixed(2),
}))
console.table(table)

await mkdir(new URL('./results/', import.meta.url), { recursive: true })
await writeFile(
  new URL('./results/router-overhead.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, cpu: cpus()[0]?.model, iterations: ITERATIONS, rows }, null, 2)}\n`,
)
