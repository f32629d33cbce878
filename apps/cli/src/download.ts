/**
 * @module Saves images and videos the API returns (signed URLs) to files.
 */
import { mkdir, stat, writeFile } from 'node:fs/promises'
import { dirname, extname, join } from 'node:path'
import { CliError, EXIT } from './exit-codes.js'

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
}

export function extensionFor(mimeType: string): string {
  return EXTENSIONS[mimeType] ?? mimeType.split('/')[1] ?? 'bin'
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  )
}

/**
 * Where file `index` of `count` goes: `out` as a directory (existing, or ending in `/`) gets
 * `<id>.<ext>`; a file name gets `-<n>` before its extension when there are several.
 */
export async function targetPath(
  out: string | undefined,
  file: { id: string; extension: string },
  index: number,
  count: number,
): Promise<string> {
  if (!out) return `${file.id}.${file.extension}`
  if (out.endsWith('/') || (await isDirectory(out))) return join(out, `${file.id}.${file.extension}`)
  if (count === 1) return out
  const extension = extname(out)
  return `${out.slice(0, out.length - extension.length)}-${index + 1}${extension || `.${file.extension}`}`
}

export async function download(url: string, path: string): Promise<number> {
  const response = await fetch(url)
  if (!response.ok) throw new CliError(`download of ${url} failed: HTTP ${response.status}`, EXIT.internal)
  const bytes = Buffer.from(await response.arrayBuffer())
  await mkdir(dirname(path), { recursive: true })
  await writeFile(path, bytes)
  return bytes.length
}
