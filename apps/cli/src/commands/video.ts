/**
 * @module `nbl video "prompt"`: submits a video job, waits for it, downloads the clip.
 */
import { type NanoBananaClient, watchJob } from '@nbl/sdk'
import { download, targetPath } from '../download.js'
import { CliError, EXIT } from '../exit-codes.js'

export interface VideoFlags {
  duration?: string
  aspect?: string
  provider?: string
  out?: string
}

export async function videoCommand(client: NanoBananaClient, prompt: string, flags: VideoFlags) {
  const input = {
    prompt,
    ...(flags.duration ? { durationSec: Number(flags.duration) } : {}),
    ...(flags.aspect ? { aspectRatio: flags.aspect } : {}),
    ...(flags.provider ? { provider: flags.provider } : {}),
  } as Parameters<NanoBananaClient['generate']['video']['mutate']>[0]
  const { jobId } = await client.generate.video.mutate(input)
  process.stderr.write(`job ${jobId}: waiting for the video…\n`)
  let status = 'failed'
  let failure = ''
  for await (const event of watchJob(client, jobId)) {
    if (event.type === 'item' && event.status === 'failed') failure = event.error?.message ?? ''
    if (event.type === 'done') status = event.status
  }
  if (status !== 'succeeded')
    throw new CliError(`video ${status}${failure ? `: ${failure}` : ''}`, EXIT.provider)
  const job = await client.generate.jobs.get.query({ jobId })
  const url = job.items[0]?.videoUrl
  if (!url) throw new CliError('the job succeeded but lists no video URL', EXIT.internal)
  const path = await targetPath(flags.out, { id: jobId, extension: 'mp4' }, 0, 1)
  const bytes = await download(url, path)
  process.stdout.write(`${path}\tvideo/mp4\t${bytes} bytes\n`)
}
