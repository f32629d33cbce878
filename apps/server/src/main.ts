/**
 * @module The server entry: config from the environment -> deps -> migrate -> bootstrap -> serve.
 */
import { readFileSync } from 'node:fs'
import { relative, resolve } from 'node:path'
import { serve } from '@hono/node-server'
import { bootstrapAdmin, createApp } from '@nbl/api'
import { migrateToLatest } from '@nbl/db'
import { pino } from 'pino'
import { ConfigError, loadConfig } from './config.js'
import { buildDeps } from './deps.js'
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
  const logger = pino({
    level: config.logLevel,
    base: { service: 'nbl-server' },
    redact: {
      paths: ['*.secret', '*.apiKey', '*.authorization', 'req.headers.authorization'],
      censor: '[redacted]',
    },
  })
  const dataDir = resolve(invokedFrom, config.dataDir)
  const secretKey = await resolveSecretKey({
    dataDir,
    ...(config.secretKey ? { secretKey: config.secretKey } : {}),
  })
  if (config.redisUrl) {
    logger.warn(
      {},
      'REDIS_URL is set, but this version keeps quota, jobs and events in process (embedded mode)',
    )
  }
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
  const bootstrap = await bootstrapAdmin(built.deps.db, {
    dataDir,
    ...(config.bootstrapAdminKey ? { bootstrapKey: config.bootstrapAdminKey } : {}),
  })

  built.jobRunner.start()
  const app = createApp(built.deps)
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

  let stopping = false
  async function shutdown(signal: string): Promise<void> {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    server.close()
    if ('closeAllConnections' in server) server.closeAllConnections()
    await built.close().catch(() => undefined)
    process.exit(0)
  }
  process.on('SIGINT', () => void shutdown('SIGINT'))
  process.on('SIGTERM', () => void shutdown('SIGTERM'))
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
