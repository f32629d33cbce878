/**
 * @module `nbl batch prompts.txt`: one prompt per line, submitted as one batch job, followed live
 * (progress bar from `generate.jobs.events`), then a summary table; exit 5 when only some succeeded.
 */
import { readFile } from 'node:fs/promises'
import { type NanoBananaClient, watchJob } from '@nbl/sdk'
import { CliError, EXIT } from '../exit-codes.js'
import { createProgressBar } from '../progress.js'

export interface BatchFlags {
  resolution?: string
  aspect?: string
  provider?: string
  concurrency?: string
}

export async function batchCommand(
  client: NanoBananaClient,
  file: string,
  flags: BatchFlags,
): Promise<number> {
  const text = await readFile(file, 'utf8').catch(() => {
    throw new CliError(`cannot read ${file}`, EXIT.usage)
  })
  const prompts = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
  if (prompts.length === 0) throw new CliError(`${file} has no prompts (one per line)`, EXIT.usage)
  const items = prompts.map((prompt) => ({
    prompt,
    ...(flags.resolution ? { resolution: flags.resolution } : {}),
    ...(flags.aspect ? { aspectRatio: flags.aspect } : {}),
    ...(flags.provider ? { provider: flags.provider } : {}),
  })) as Parameters<NanoBananaClient['generate']['batch']['mutate']>[0]['items']
  const { jobId, total } = await client.generate.batch.mutate({
    items,
    ...(flags.concurrency ? { concurrency: Number(flags.concurrency) } : {}),
  })
  process.stderr.write(`job ${jobId}: ${total} prompts\n`)

  const bar = createProgressBar()
  bar.update(0, 0, total)
  const rows = new Map<number, { status: string; detail: string }>()
  let finalStatus = 'failed'
  for await (const event of watchJob(client, jobId)) {
    if (event.type === 'progress') bar.update(event.done, event.failed, event.total)
    if (event.type === 'item') {
      rows.set(event.index, {
        status: event.status,
        detail:
          event.status === 'succeeded'
            ? (event.image?.url ?? event.imageIds.join(','))
            : (event.error?.message ?? ''),
      })
    }
    if (event.type === 'done') finalStatus = event.status
  }
  bar.stop()

  const table = prompts.map((prompt, index) => {
    const row = rows.get(index)
    return [
      String(index + 1),
      row?.status ?? 'skipped',
      prompt.length > 40 ? `${prompt.slice(0, 39)}…` : prompt,
      row?.detail ?? '',
    ]
  })
  const header = ['#', 'status', 'prompt', 'image / error']
  const widths = header.map((title, column) =>
    Math.max(title.length, ...table.map((row) => (row[column] ?? '').length)),
  )
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd()
  process.stdout.write(
    `${[line(header), line(widths.map((width) => '-'.repeat(width))), ...table.map(line)].join('\n')}\n`,
  )
  const succeeded = table.filter((row) => row[1] === 'succeeded').length
  process.stdout.write(`${finalStatus}: ${succeeded}/${prompts.length} succeeded\n`)
  if (finalStatus === 'succeeded') return EXIT.ok
  if (succeeded > 0) return EXIT.partial
  return EXIT.provider
}
