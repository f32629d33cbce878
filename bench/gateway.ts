/**
 * @module Gateway overhead, throughput, peak RSS and quota contention of the real server (a child
 * process, logging at its default level to a file) in front of the OpenAI contract fake (another child
 * process), on embedded defaults (PGlite + in-memory quota) and on PostgreSQL + Redis:
 *  1. `/v1/images/generations` and tRPC `generate.image` vs the fake called directly, zero-latency
 *     upstream, 1 and 50 connections: p50/p99 added latency, req/s, peak RSS;
 *  2. the same with a 200 ms upstream;
 *  3. quota contention at 50 connections: 50 users vs one hot user, with the units charged checked
 *     against the requests that succeeded.
 * Prints a table and writes bench/results/gateway.json (server logs and profiles beside it).
 *
 * Run: pnpm --filter @nbl/bench bench:gateway
 * Env: BENCH_DURATION (s, 10), BENCH_WARMUP (s, 5), BENCH_MODES (embedded,networked),
 *   BENCH_UPSTREAM_LATENCIES (0,200), BENCH_CONNECTIONS (1,50), BENCH_TARGETS (direct,openai,trpc,contention),
 *   BENCH_PROFILE=1 (`--cpu-prof` on the server, summarised), BENCH_DATABASE_URL, BENCH_REDIS_URL.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { cpus, tmpdir, totalmem } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createServiceAccount, type QuotaStatus, quotaStatus } from './gateway/api.js'
import { type LoadStats, round, runLoad } from './gateway/load.js'
import { createNetworkedResources, type NetworkedResources } from './gateway/networked.js'
import { type ServerProcess, startFakeUpstream, startServer } from './gateway/processes.js'
import { type ProfileSummary, summariseProfile } from './gateway/profile.js'

const list = (name: string, fallback: string) =>
  (process.env[name] ?? fallback)
    .split(',')
    .map((value) => value.trim())
    .filter(Boolean)
const DURATION = Number(process.env.BENCH_DURATION ?? 10)
// At one connection a 2 s warm-up (~400 calls) left the server's code only partly optimised: p50 3.7-4.3 ms
// after 2 s, 2.4 ms after 8 s (2026-11-26). 5 s is enough.
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5)
const MODES = list('BENCH_MODES', 'embedded,networked') as ('embedded' | 'networked')[]
const LATENCIES = list('BENCH_UPSTREAM_LATENCIES', '0,200').map(Number)
const CONNECTIONS = list('BENCH_CONNECTIONS', '1,50').map(Number)
const TARGETS = new Set(list('BENCH_TARGETS', 'direct,openai,trpc,contention'))
const PROFILE = process.env.BENCH_PROFILE === '1'
const CONTENTION_USERS = 50
const CONTENTION_CONNECTIONS = 50

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url))
await mkdir(resultsDir, { recursive: true })
const adminKey = `nbl-bench-admin-${randomBytes(16).toString('hex')}`
const prompt = 'a ripe banana on a lab bench, studio light'

interface Row extends LoadStats {
  mode: string
  upstreamMs: number
  target: string
  addedP50Ms: number | null
  addedP99Ms: number | null
  peakRssMiB: number | null
  /** Server CPU (user + system, all threads) per successful request: what one request costs the server. */
  serverCpuMsPerRequest: number | null
}

interface ContentionRow extends LoadStats {
  mode: string
  scenario: 'many users' | 'one hot user'
  users: number
  unitsCharged: number
  unitsExpected: number
  correct: boolean
  peakRssMiB: number
}

const rows: Row[] = []
const contention: ContentionRow[] = []
const profiles: { mode: string; upstreamMs: number; file: string; summary: ProfileSummary }[] = []
const serverPeaks: { mode: string; upstreamMs: number; peakRssMiB: number }[] = []

for (const mode of MODES) {
  for (const upstreamMs of LATENCIES) await runServerScenarios(mode, upstreamMs)
}

async function runServerScenarios(mode: 'embedded' | 'networked', upstreamMs: number): Promise<void> {
  const fake = await startFakeUpstream(upstreamMs)
  const runName = `nbl_bench_${mode}_${upstreamMs}_${Date.now()}`
  const networked: NetworkedResources | undefined =
    mode === 'networked' ? await createNetworkedResources(runName) : undefined
  const dataDir = await mkdtemp(join(tmpdir(), 'nbl-bench-server-'))
  // When the gateway was under measured load: the profile summary counts those samples only.
  const loadWindows: [number, number][] = []
  const profileDir = PROFILE ? join(resultsDir, `profile-${mode}-${upstreamMs}ms`) : undefined
  if (profileDir) {
    await rm(profileDir, { recursive: true, force: true })
    await mkdir(profileDir, { recursive: true })
  }
  let server: ServerProcess | undefined
  try {
    server = await startServer({
      logFile: join(resultsDir, `server-${mode}-${upstreamMs}ms.log`),
      ...(profileDir ? { cpuProfDir: profileDir } : {}),
      nodeFlags: (process.env.BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      env: {
        NODE_ENV: 'production',
        SECRET_KEY: randomBytes(32).toString('hex'),
        HOST: '127.0.0.1',
        PORT: '0',
        DATA_DIR: dataDir,
        BOOTSTRAP_ADMIN_KEY: adminKey,
        PROVIDER_OPENAI_API_KEY: fake.apiKey,
        PROVIDER_OPENAI_BASE_URL: fake.baseUrl,
        PROVIDER_LOCAL_ENABLED: 'false',
        QUOTA_FREE_DAILY_LIMIT: 'none',
        QUOTA_FREE_COOLDOWN_SECONDS: '0',
        RATE_LIMIT_GENERATE_PER_MINUTE: '0',
        // Experiments: more server settings as a JSON object (`{"LOG_LEVEL":"warn"}`).
        ...(JSON.parse(process.env.BENCH_SERVER_ENV ?? '{}') as Record<string, string>),
        ...(networked
          ? {
              DATABASE_URL: networked.databaseUrl,
              REDIS_URL: networked.redisUrl,
              REDIS_PREFIX: networked.redisPrefix,
            }
          : {}),
      },
    })
    const hotKey = await createServiceAccount(server.url, adminKey, 'bench-hot')
    const targets = [
      {
        name: 'direct',
        url: `${fake.baseUrl}/images/generations`,
        key: fake.apiKey,
        // What the adapter sends for 1K 1:1.
        body: {
          model: 'gpt-image-1',
          prompt,
          n: 1,
          size: '1024x1024',
          quality: 'medium',
          output_format: 'png',
        },
      },
      { name: 'openai', url: `${server.url}/v1/images/generations`, key: hotKey, body: { prompt } },
      { name: 'trpc', url: `${server.url}/trpc/generate.image`, key: hotKey, body: { prompt } },
    ].filter((target) => TARGETS.has(target.name))
    const label = { direct: 'direct (fake)', openai: 'POST /v1/images/generations', trpc: 'generate.image' }
    for (const connections of CONNECTIONS) {
      const direct: Partial<Record<string, LoadStats>> = {}
      for (const target of targets) {
        const load = {
          url: target.url,
          body: JSON.stringify(target.body),
          headers: { authorization: `Bearer ${target.key}` },
          connections,
        }
        if (WARMUP > 0) await runLoad({ ...load, duration: WARMUP })
        server.resetPeakRss()
        const startedUs = monotonicUs()
        const cpuBefore = server.cpuMs()
        const stats = await runLoad({ ...load, duration: DURATION })
        const serverCpuMs = server.cpuMs() - cpuBefore
        if (target.name !== 'direct') loadWindows.push([startedUs, monotonicUs()])
        if (target.name === 'direct') direct[connections] = stats
        const baseline = direct[connections]
        rows.push({
          mode,
          upstreamMs,
          target: label[target.name as keyof typeof label],
          ...stats,
          addedP50Ms: target.name === 'direct' || !baseline ? null : round(stats.p50Ms - baseline.p50Ms, 3),
          addedP99Ms: target.name === 'direct' || !baseline ? null : round(stats.p99Ms - baseline.p99Ms, 3),
          peakRssMiB: target.name === 'direct' ? null : round(server.peakRssMiB(), 1),
          serverCpuMsPerRequest:
            target.name === 'direct' ? null : round(serverCpuMs / Math.max(1, stats.ok), 2),
        })
        printRow(rows.at(-1) as Row)
      }
    }
    if (TARGETS.has('contention') && upstreamMs === 0) {
      await runContention(mode, server, hotKey, loadWindows)
    }
  } finally {
    if (server) {
      serverPeaks.push({ mode, upstreamMs, peakRssMiB: round(server.peakRssMiB(), 1) })
      await server.stop()
    }
    await fake.stop()
    await networked?.cleanUp()
    await rm(dataDir, { recursive: true, force: true })
  }
  if (profileDir) {
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (others: worker threads).
    const files = (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile'))
    const file = files.find((name) => /\.0\.\d+\.cpuprofile$/.test(name)) ?? files[0]
    if (file) {
      const summary = summariseProfile(join(profileDir, file), 25, loadWindows)
      profiles.push({ mode, upstreamMs, file: join(profileDir, file), summary })
      process.stdout.write(
        `\nCPU profile of the server (${mode}, ${upstreamMs} ms upstream): ${summary.busyPercent} % busy\n`,
      )
      console.table(summary.functions)
      console.table(summary.packages.slice(0, 15))
      console.table(summary.workspace.slice(0, 20))
    }
  }
}

/**
 * Fixed request counts (not a duration), so every request is answered before the quota is read: the
 * units charged must equal the successful requests times the units of a 1K image.
 */
async function runContention(
  mode: string,
  server: { url: string; resetPeakRss(): void; peakRssMiB(): number },
  hotKey: string,
  loadWindows: [number, number][],
): Promise<void> {
  const keys: string[] = []
  for (let start = 0; start < CONTENTION_USERS; start += 10) {
    keys.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(10, CONTENTION_USERS - start) }, (_, index) =>
          createServiceAccount(server.url, adminKey, `bench-user-${start + index}`),
        ),
      )),
    )
  }
  const used = async (key: string) => (await quotaStatus(server.url, key)).used
  const status: QuotaStatus = await quotaStatus(server.url, hotKey)
  const unitsPerImage = status.costs.image['1K'] ?? 1
  const trpcRate = rows.find(
    (row) =>
      row.mode === mode && row.upstreamMs === 0 && row.target === 'generate.image' && row.connections === 50,
  )?.reqPerSec
  const amount = Math.max(1000, Math.round((trpcRate ?? 500) * DURATION))
  const load = {
    url: `${server.url}/trpc/generate.image`,
    body: JSON.stringify({ prompt }),
    connections: CONTENTION_CONNECTIONS,
    duration: DURATION,
    amount,
  }
  for (const scenario of ['many users', 'one hot user'] as const) {
    const scenarioKeys = scenario === 'many users' ? keys : [hotKey]
    const before = (await Promise.all(scenarioKeys.map(used))).reduce((sum, value) => sum + value, 0)
    server.resetPeakRss()
    const startedUs = monotonicUs()
    const stats = await runLoad({
      ...load,
      headers: { authorization: `Bearer ${scenarioKeys[0]}` },
      ...(scenarioKeys.length > 1
        ? { authorizationFor: (sequence: number) => `Bearer ${scenarioKeys[sequence % scenarioKeys.length]}` }
        : {}),
    })
    loadWindows.push([startedUs, monotonicUs()])
    const peakRssMiB = round(server.peakRssMiB(), 1)
    const after = (await Promise.all(scenarioKeys.map(used))).reduce((sum, value) => sum + value, 0)
    const row: ContentionRow = {
      mode,
      scenario,
      users: scenarioKeys.length,
      ...stats,
      unitsCharged: after - before,
      unitsExpected: stats.ok * unitsPerImage,
      correct: after - before === stats.ok * unitsPerImage && stats.errors === 0,
      peakRssMiB,
    }
    contention.push(row)
    process.stdout.write(
      `${mode} contention, ${scenario}: ${row.reqPerSec} req/s, p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms, ` +
        `charged ${row.unitsCharged} / expected ${row.unitsExpected} units ${row.correct ? 'OK' : 'MISMATCH'}\n`,
    )
  }
}

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n)
}

function printRow(row: Row): void {
  process.stdout.write(
    `${row.mode} ${row.upstreamMs} ms, ${row.target}, ${row.connections} conn: ${row.reqPerSec} req/s, ` +
      `p50 ${row.p50Ms} ms, p99 ${row.p99Ms} ms${row.addedP50Ms === null ? '' : `, added p50 ${row.addedP50Ms} ms`}` +
      `${row.serverCpuMsPerRequest === null ? '' : `, server CPU ${row.serverCpuMsPerRequest} ms/req, peak RSS ${row.peakRssMiB} MiB`}` +
      `${row.non2xx || row.errors ? `, non-2xx ${row.non2xx}, errors ${row.errors}` : ''}\n`,
  )
}

process.stdout.write('\nGateway overhead (added = gateway - direct at the same connections)\n')
console.table(
  rows.map((row) => ({
    mode: row.mode,
    upstream: `${row.upstreamMs} ms`,
    target: row.target,
    conns: row.connections,
    'req/s': row.reqPerSec,
    'p50 ms': row.p50Ms,
    'p99 ms': row.p99Ms,
    'added p50': row.addedP50Ms ?? '',
    'added p99': row.addedP99Ms ?? '',
    'peak RSS MiB': row.peakRssMiB ?? '',
    'server CPU ms/req': row.serverCpuMsPerRequest ?? '',
    'non-2xx/err': row.non2xx + row.errors,
  })),
)
if (contention.length > 0) {
  process.stdout.write('\nQuota contention (generate.image, 50 connections, fixed request count)\n')
  console.table(
    contention.map((row) => ({
      mode: row.mode,
      scenario: row.scenario,
      users: row.users,
      requests: row.requests,
      'req/s': row.reqPerSec,
      'p50 ms': row.p50Ms,
      'p99 ms': row.p99Ms,
      'units charged': row.unitsCharged,
      'units expected': row.unitsExpected,
      correct: row.correct,
      'peak RSS MiB': row.peakRssMiB,
    })),
  )
}
console.table(serverPeaks.map((peak) => ({ ...peak, note: 'VmHWM at exit (last scenario window)' })))

await writeFile(
  join(resultsDir, PROFILE ? 'gateway-profile.json' : 'gateway.json'),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      machine: {
        node: process.version,
        cpu: cpus()[0]?.model,
        cores: cpus().length,
        memoryGiB: round(totalmem() / 2 ** 30, 1),
      },
      settings: {
        durationS: DURATION,
        warmupS: WARMUP,
        modes: MODES,
        upstreamLatenciesMs: LATENCIES,
        connections: CONNECTIONS,
        profile: PROFILE,
      },
      rows,
      contention,
      profiles: profiles.map(({ file, ...rest }) => ({ file, ...rest })),
    },
    null,
    2,
  )}\n`,
)
