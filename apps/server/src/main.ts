/**
 * @module The server entry: config from the environment -> deps -> migrate -> bootstrap -> serve.
 */
import { readFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { bootstrapAdmin, createApp, recoverGenerationJournals } from '@nbl/api'
import { migrateToLatest } from '@nbl/db'
import { ConfigError, loadConfig } from './config.js'
import { buildDeps, generationJournalDirectory } from './deps.js'
import { createLogger } from './logger.js'
import { loadProviderCatalog } from './provider-catalog.js'
import { resolveSecretKey } from './secret-key.js'
import { findBaseDirectory } from './workspace-root.js'

const startedAt = performance.now()
const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version

const invokedFrom = findBaseDirectory()

async function main(): Promise<void> {
  const config = loadConfig(process.env, { dataDir: resolve(invokedFrom, '.data') })
  const logger = createLogger({ level: config.logLevel })
  const dataDir = resolve(invokedFrom, config.dataDir)
  const secretKey = await resolveSecretKey({
    dataDir,
    ...(config.secretKey ? { secretKey: config.secretKey } : {}),
  })
  const catalog = config.providerCatalogFile
    ? await loadProviderCatalog(resolve(invokedFrom, config.providerCatalogFile))
    : undefined
  const built = await buildDeps({
    config: { ...config, dataDir },
    secretKey,
    logger,
    version,
    ...(catalog ? { catalog } : {}),
  })
  logger.info(
    {
      providers: built.deps.providers
        .listProviders()
        .map(({ name, kinds, enabled }) => ({ name, kinds, enabled })),
    },
    'providers registered',
  )
  await migrateToLatest(built.deps.db)
  // Generations an ended process answered but had not committed yet (generation-journal.ts).
  const recovered = await recoverGenerationJournals(generationJournalDirectory(dataDir), built.deps.db)
  if (recovered.files > 0) logger.info(recovered, 'recovered journaled generations')
  const workerOnly = process.argv.includes('--worker')
  // Only API processes create the first admin: they are where its key is printed.
  const bootstrap = workerOnly
    ? {}
    : await bootstrapAdmin(built.deps.db, {
        dataDir,
        ...(config.bootstrapAdminKey ? { bootstrapKey: config.bootstrapAdminKey } : {}),
      })

  // Job items: BullMQ with REDIS_URL (any number of API and worker processes), else in process.
  const runsJobs = workerOnly || config.jobWorkers
  const dispatch = config.redisUrl
    ? (await import('@nbl/api/redis')).createBullMQDispatch({
        redisUrl: config.redisUrl,
        prefix: `${config.redisPrefix}bull`,
        runner: built.jobRunner,
        logger,
        work: runsJobs,
        concurrency: config.jobConcurrency,
      })
    : undefined
  if (dispatch) built.deps.jobs = dispatch
  if (runsJobs) built.jobRunner.start()

  let stopping = false
  async function shutdown(signal: string, close: () => void = () => undefined): Promise<void> {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    close()
    await dispatch?.close().catch(() => undefined)
    await built.close().catch(() => undefined)
    process.exit(0)
  }

  if (workerOnly) {
    process.on('SIGINT', () => void shutdown('SIGINT'))
    process.on('SIGTERM', () => void shutdown('SIGTERM'))
    process.stdout.write(
      `Nano Banana Lab ${version} worker ${built.jobRunner.owner} running jobs\nready in ${Math.round(performance.now() - startedAt)} ms\n`,
    )
    return
  }

  const app = createApp(built.deps, { getConnInfo })
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    const host = info.family === 'IPv6' ? `[${info.address}]` : info.address
    const url = `http://${host}:${info.port}`
    const where =
      built.database.kind === 'pglite'
        ? `embedded PGlite in ${relative(invokedFrom, dataDir) || '.'}`
        : 'PostgreSQL'
    const lines = [`Nano Banana Lab ${version} listening on ${url} (database: ${where})`]
    if (bootstrap.admin?.secretFromConfig) lines.push('Admin API key: the BOOTSTRAP_ADMIN_KEY you configured')
    else if (bootstrap.admin) {
      lines.push(
        `Admin API key (shown once; also saved to ${bootstrap.admin.keyFile}):`,
        `  ${bootstrap.admin.secret}`,
      )
    }
    lines.push(`ready in ${Math.round(performance.now() - startedAt)} ms`)
    process.stdout.write(`${lines.join('\n')}\n`)
  })

  const closeServer = () => {
    server.close()
    if ('closeAllConnections' in server) server.closeAllConnections()
  }
  process.on('SIGINT', () => void shutdown('SIGINT', closeServer))
  process.on('SIGTERM', () => void shutdown('SIGTERM', closeServer))
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`)
  } else {
    process.stderr.write(
      `Failed to start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    )
  }
  process.exit(1)
})
