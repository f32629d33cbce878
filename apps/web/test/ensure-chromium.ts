/**
 * @module Vitest global setup: the browser test drives Debian's Chromium. On a fresh machine it is
 * not there yet, so `pnpm test` installs it (as .ci/run does) rather than failing; elsewhere it
 * says exactly what is missing.
 */
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

export default function ensureChromium(): void {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
  if (existsSync(path)) return
  const isRoot = process.getuid?.() === 0
  if (!isRoot || process.env.CHROMIUM_PATH) {
    throw new Error(
      `Chromium not found at ${path}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH`,
    )
  }
  console.log('installing Debian chromium for the browser test (apt-get)…')
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit', env })
  execFileSync('apt-get', ['install', '-y', '-q', 'chromium'], { stdio: 'inherit', env })
}
