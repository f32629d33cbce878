/**
 * @module Maps job rows to the API's job shape (generate.jobs.get / list), with signed video URLs.
 */
import type { JobItemRow, JobRow } from '@nbl/db'
import type { AppDeps } from '../../deps.js'
import type { AppCode } from '../../errors.js'

export interface JobItem {
  index: number
  status: JobItemRow['status']
  imageIds: string[]
  videoUrl?: string
  provider?: string
  error?: { appCode: AppCode | string; message: string }
}

export interface JobSummary {
  id: string
  kind: JobRow['kind']
  status: JobRow['status']
  total: number
  done: number
  failed: number
  createdAt: string
  finishedAt?: string
}

export interface Job extends JobSummary {
  items: JobItem[]
}

export function jobRowToSummary(row: JobRow): JobSummary {
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    total: row.total,
    done: row.done,
    failed: row.failed,
    createdAt: row.created_at.toISOString(),
    ...(row.finished_at ? { finishedAt: row.finished_at.toISOString() } : {}),
  }
}

export function jobItemRowToItem(row: JobItemRow, deps: AppDeps, origin: string): JobItem {
  return {
    index: row.index,
    status: row.status,
    imageIds: row.image_ids,
    ...(row.video_key
      ? {
          videoUrl: deps.storage.signedUrl(row.video_key, {
            origin,
            expiresInSeconds: deps.config.signedUrlTtlSeconds,
          }),
        }
      : {}),
    ...(row.provider ? { provider: row.provider } : {}),
    ...(row.error_code ? { error: { appCode: row.error_code, message: row.error_message ?? 'failed' } } : {}),
  }
}

export function jobToOutput(row: JobRow, items: JobItemRow[], deps: AppDeps, origin: string): Job {
  return { ...jobRowToSummary(row), items: items.map((item) => jobItemRowToItem(item, deps, origin)) }
}
