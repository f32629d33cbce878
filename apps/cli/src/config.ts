/**
 * @module Where the CLI finds its server and key: flags, then env (NBL_URL, NBL_API_KEY), then a
 * JSON config file (`--config`, else ~/.config/nbl/config.json).
 */
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { CliError, EXIT } from './exit-codes.js'

export interface GlobalFlags {
  url?: string
  apiKey?: string
  config?: string
}

export interface CliConfig {
  url: string
  apiKey: string
}

export const DEFAULT_URL = 'http://127.0.0.1:3000'

function readConfigFile(path: string, explicit: boolean): Partial<CliConfig> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    if (explicit) throw new CliError(`cannot read config file ${path}`, EXIT.usage)
    return {}
  }
  try {
    const parsed = JSON.parse(text) as { url?: unknown; apiKey?: unknown }
    return {
      ...(typeof parsed.url === 'string' ? { url: parsed.url } : {}),
      ...(typeof parsed.apiKey === 'string' ? { apiKey: parsed.apiKey } : {}),
    }
  } catch {
    throw new CliError(
      `config file ${path} is not valid JSON ({ "url": "…", "apiKey": "nbl_…" })`,
      EXIT.usage,
    )
  }
}

export function resolveConfig(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): CliConfig {
  const path = flags.config ?? join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'nbl', 'config.json')
  const file = readConfigFile(path, flags.config !== undefined)
  // An empty variable counts as unset (`NBL_API_KEY= nbl …`).
  const url = flags.url || env.NBL_URL || file.url || DEFAULT_URL
  const apiKey = flags.apiKey || env.NBL_API_KEY || file.apiKey
  if (!apiKey) {
    throw new CliError(`no API key: pass --api-key, set NBL_API_KEY, or put "apiKey" in ${path}`, EXIT.auth)
  }
  try {
    new URL(url)
  } catch {
    throw new CliError(`not a URL: ${url}`, EXIT.usage)
  }
  return { url, apiKey }
}
