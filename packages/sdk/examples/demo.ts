/**
 * @module `pnpm demo "a prompt"`: generate one image through the SDK and write it to disk.
 * Reads NBL_URL (default http://127.0.0.1:3000) and NBL_API_KEY (default: the bootstrap key file).
 */
import { readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { createClient, getAppError } from '../src/index.js'

// `pnpm demo` runs in this package's folder: look for the server's key file at the monorepo root.
const root = resolve(import.meta.dirname, '..', '..', '..')
const url = process.env.NBL_URL ?? 'http://127.0.0.1:3000'
const apiKey = process.env.NBL_API_KEY ?? readKeyFile()
const prompt = process.argv.slice(2).join(' ').trim() || 'a nano banana floating over a neon city'

function readKeyFile(): string {
  const file = resolve(root, '.data', 'bootstrap-admin-key')
  try {
    return readFileSync(file, 'utf8').trim()
  } catch {
    throw new Error(`Set NBL_API_KEY (no key file at ${file})`)
  }
}

const client = createClient({ url, apiKey })
try {
  const result = await client.generate.image.mutate({ prompt, resolution: '1K', aspectRatio: '16:9' })
  const image = result.images[0]
  if (!image) throw new Error('no image returned')
  const response = await fetch(image.url)
  if (!response.ok) throw new Error(`download failed: HTTP ${response.status}`)
  const extension = image.mimeType.split('/')[1] === 'jpeg' ? 'jpg' : image.mimeType.split('/')[1]
  const file = resolve(root, `${image.id}.${extension}`)
  await writeFile(file, Buffer.from(await response.arrayBuffer()))
  console.log(
    `${image.width}x${image.height} ${image.mimeType} by ${result.provider}/${result.model} in ${result.latencyMs} ms`,
  )
  console.log(`saved ${file}`)
  console.log(`quota: ${result.quota.used}/${result.quota.limit ?? '∞'} units used today`)
} catch (error) {
  const info = getAppError(error)
  console.error(info ? `${info.appCode}: ${info.message}` : error)
  process.exit(1)
}
