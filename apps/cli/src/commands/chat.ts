/**
 * @module `nbl chat`: an interactive refinement loop. Each stdin line is one turn of the same session;
 * each turn's images are saved.
 */
import { createInterface } from 'node:readline'
import type { NanoBananaClient } from '@nbl/sdk'
import { download, extensionFor, targetPath } from '../download.js'

export interface ChatFlags {
  resolution?: string
  aspect?: string
  provider?: string
  out?: string
}

export async function chatCommand(client: NanoBananaClient, flags: ChatFlags) {
  const session = await client.chat.create.mutate({
    ...(flags.resolution ? { resolution: flags.resolution } : {}),
    ...(flags.aspect ? { aspectRatio: flags.aspect } : {}),
    ...(flags.provider ? { provider: flags.provider } : {}),
  } as Parameters<NanoBananaClient['chat']['create']['mutate']>[0])
  const interactive = Boolean(process.stdin.isTTY)
  process.stderr.write(`chat ${session.id}: type a message per line; end with Ctrl-D\n`)
  const lines = createInterface({ input: process.stdin, terminal: false })
  let turn = 0
  if (interactive) process.stderr.write('> ')
  for await (const raw of lines) {
    const message = raw.trim()
    if (message.length > 0) {
      turn += 1
      const reply = await client.chat.send.mutate({ sessionId: session.id, message })
      if (reply.message.text) process.stdout.write(`${reply.message.text}\n`)
      for (const [index, image] of reply.message.images.entries()) {
        const path = await targetPath(
          flags.out ? `${flags.out.replace(/\/+$/, '')}/` : undefined,
          { id: `turn${turn}-${image.id}`, extension: extensionFor(image.mimeType) },
          index,
          reply.message.images.length,
        )
        await download(image.url, path)
        process.stdout.write(`turn ${turn}: ${path}\t${image.width}x${image.height}\n`)
      }
    }
    if (interactive) process.stderr.write('> ')
  }
}
