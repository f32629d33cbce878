/**
 * @module `nbl quota` and `nbl history`: read-only views of the caller's account.
 */
import type { NanoBananaClient } from '@nbl/sdk'
import { formatDuration, localTimeIn } from '../exit-codes.js'

export async function quotaCommand(client: NanoBananaClient) {
  const quota = await client.quota.status.query()
  const untilReset = new Date(quota.resetsAt).getTime() - Date.now()
  process.stdout.write(
    [
      `tier       ${quota.tier}`,
      `used       ${quota.used}${quota.limit === null ? '' : ` of ${quota.limit}`} units today`,
      `remaining  ${quota.remaining ?? 'unlimited'}`,
      `resets     ${localTimeIn(untilReset)}, in ${formatDuration(untilReset)}`,
      '',
    ].join('\n'),
  )
}

export async function historyCommand(client: NanoBananaClient, flags: { limit?: string }) {
  const page = await client.library.history.list.query({ limit: flags.limit ? Number(flags.limit) : 20 })
  for (const image of page.items) {
    process.stdout.write(
      `${image.createdAt}\t${image.id}\t${image.provider}\t${image.width}x${image.height}\t${image.prompt}\n`,
    )
  }
  if (page.items.length === 0) process.stderr.write('no images yet\n')
}
