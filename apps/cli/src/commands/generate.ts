/**
 * @module `nbl generate "prompt"`: one generation, its images downloaded to files.
 */
import type { GenerateImageInput, NanoBananaClient } from '@nbl/sdk'
import { download, extensionFor, targetPath } from '../download.js'

export interface GenerateFlags {
  resolution?: string
  aspect?: string
  provider?: string
  count?: string
  out?: string
}

export async function generateCommand(client: NanoBananaClient, prompt: string, flags: GenerateFlags) {
  // The server validates the values and names the field; the CLI passes them through.
  const input = {
    prompt,
    ...(flags.resolution ? { resolution: flags.resolution } : {}),
    ...(flags.aspect ? { aspectRatio: flags.aspect } : {}),
    ...(flags.provider ? { provider: flags.provider } : {}),
    ...(flags.count ? { count: Number(flags.count) } : {}),
  } as GenerateImageInput
  const result = await client.generate.image.mutate(input)
  for (const [index, image] of result.images.entries()) {
    const path = await targetPath(
      flags.out,
      { id: image.id, extension: extensionFor(image.mimeType) },
      index,
      result.images.length,
    )
    const bytes = await download(image.url, path)
    process.stdout.write(`${path}\t${image.width}x${image.height}\t${image.mimeType}\t${bytes} bytes\n`)
  }
  process.stderr.write(
    `${result.provider}/${result.model} in ${result.latencyMs} ms, $${result.costUsd.toFixed(4)}; quota ${result.quota.used}/${result.quota.limit ?? '∞'} used today\n`,
  )
}
