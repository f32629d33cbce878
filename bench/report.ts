/**
 * @module Markdown tables from bench/results/gateway.json and batch-throughput.json, for bench/README.md.
 *
 * Run: pnpm --filter @nbl/bench report
 */
import { readFile } from 'node:fs/promises'

interface GatewayRow {
  mode: string
  upstreamMs: number
  target: string
  connections: number
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  addedP50Ms: number | null
  addedP99Ms: number | null
  peakRssMiB: number | null
  serverCpuMsPerRequest: number | null
  non2xx: number
  errors: number
}

interface ContentionRow {
  mode: string
  scenario: string
  users: number
  requests: number
  reqPerSec: number
  p50Ms: number
  p99Ms: number
  unitsCharged: number
  unitsExpected: number
  correct: boolean
  peakRssMiB: number
}

interface BatchRow {
  database: string
  eventBus: string
  items: number
  concurrency: number
  wallMs: number
  idealMs: number
  overheadPercent: number
  eventLatencyMsP50: number
  eventLatencyMsP99: number
}

const read = async <T>(name: string): Promise<T> =>
  JSON.parse(await readFile(new URL(`./results/${name}`, import.meta.url), 'utf8')) as T

function table(header: string[], rows: (string | number)[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n')
}

const dash = (value: number | null) => (value === null ? '–' : String(value))
const gateway = await read<{ date: string; rows: GatewayRow[]; contention: ContentionRow[] }>('gateway.json')
process.stdout.write(`Gateway (${gateway.date})\n\n`)
process.stdout.write(
  `${table(
    [
      'mode',
      'upstream',
      'target',
      'conns',
      'req/s',
      'p50 ms',
      'p99 ms',
      'added p50 ms',
      'added p99 ms',
      'server CPU ms/req',
      'peak RSS MiB',
      'non-2xx/errors',
    ],
    gateway.rows.map((row) => [
      row.mode,
      `${row.upstreamMs} ms`,
      row.target,
      row.connections,
      row.reqPerSec,
      row.p50Ms,
      row.p99Ms,
      dash(row.addedP50Ms),
      dash(row.addedP99Ms),
      dash(row.serverCpuMsPerRequest),
      dash(row.peakRssMiB),
      row.non2xx + row.errors,
    ]),
  )}\n\n`,
)
process.stdout.write(
  `${table(
    [
      'mode',
      'scenario',
      'users',
      'requests',
      'req/s',
      'p50 ms',
      'p99 ms',
      'units charged',
      'units expected',
      'correct',
      'peak RSS MiB',
    ],
    gateway.contention.map((row) => [
      row.mode,
      row.scenario,
      row.users,
      row.requests,
      row.reqPerSec,
      row.p50Ms,
      row.p99Ms,
      row.unitsCharged,
      row.unitsExpected,
      row.correct ? 'yes' : 'NO',
      row.peakRssMiB,
    ]),
  )}\n\n`,
)
const batch = await read<{ date: string; results: BatchRow[] }>('batch-throughput.json')
process.stdout.write(
  `${table(
    [
      'database',
      'event bus',
      'items',
      'concurrency',
      'wall ms',
      'ideal ms',
      'overhead %',
      'event p50 ms',
      'event p99 ms',
    ],
    batch.results.map((row) => [
      row.database,
      row.eventBus,
      row.items,
      row.concurrency,
      row.wallMs,
      row.idealMs,
      row.overheadPercent,
      row.eventLatencyMsP50,
      row.eventLatencyMsP99,
    ]),
  )}\n`,
)
