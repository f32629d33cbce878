#!/usr/bin/env node
/**
 * @module `nbl`: the Nano Banana Lab command line, built on @nbl/sdk.
 * Exit codes: 0 ok, 1 usage/validation, 2 auth, 3 quota/rate limit, 4 provider failure, 5 partial batch, 70 internal.
 */
import { createClient, type NanoBananaClient } from '@nbl/sdk'
import { Command, CommanderError } from 'commander'
import { registerCommands } from './commands/index.js'
import { type GlobalFlags, resolveConfig } from './config.js'
import { describeFailure, EXIT } from './exit-codes.js'

const program = new Command('nbl')
  .description('Generate images and videos with Nano Banana Lab.')
  .option('--url <url>', 'server origin (env NBL_URL, default http://127.0.0.1:3000)')
  .option('--api-key <key>', 'API key (env NBL_API_KEY)')
  .option('--config <file>', 'JSON config file with url and apiKey (default ~/.config/nbl/config.json)')
  .exitOverride()
  .showHelpAfterError()

function client(): NanoBananaClient {
  const config = resolveConfig(program.opts<GlobalFlags>())
  return createClient({ url: config.url, apiKey: config.apiKey })
}

let exitCode: number = EXIT.ok
registerCommands(program, client, (code) => {
  exitCode = code
})

try {
  await program.parseAsync(process.argv)
} catch (error) {
  if (error instanceof CommanderError) {
    // Help and version print and exit 0; anything else commander rejects is a usage error.
    exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage
  } else {
    const { message, code } = describeFailure(error)
    process.stderr.write(`nbl: ${message}\n`)
    exitCode = code
  }
}
process.exitCode = exitCode
