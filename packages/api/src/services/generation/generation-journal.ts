/**
 * @module Write-ahead journal of finished generations. A `generate.image` answers once its
 * generation and images are appended here (one synchronous append to the page cache, ~0.02 ms), and
 * the group-commit writer copies them into the database behind the answer. Waiting for the database
 * instead cost 1.4-1.7 ms per call at one connection (bench/README.md).
 *
 * Files per writer process, `<dir>/generations-<pid>-<random>-<n>.jsonl`, one JSON entry per line; a
 * file goes once everything appended to it has been committed. Like the object packs, it survives a
 * crash of the process (not of the machine: no fsync). On start, `recoverGenerationJournals` writes
 * what the files of processes that are gone still hold, skipping rows the database already has.
 */
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { type Executor, type FinishedGeneration, insertFinishedGenerations, isRefusedForGood } from '@nbl/db'

const FILE_PATTERN = /^generations-(\d+)-[a-z0-9]+-[a-z0-9]+\.jsonl$/
/** Entries per statement when a journal is replayed. */
const REPLAY_BATCH = 64
/** Keys of the entry whose values are dates (JSON has strings). */
const DATE_KEYS = new Set(['created_at', 'finished_at', 'finishedAt'])

/** The segment an entry went to: handed back with `committed`. */
export interface JournalTicket {
  readonly segment: number
}

export interface GenerationJournal {
  /** Appends the entry; it is on disk (in the page cache) when this returns. */
  append(entry: FinishedGeneration): JournalTicket
  /** The entry is in the database: a segment whose entries all are is emptied or removed. */
  committed(ticket: JournalTicket): void
  close(): void
}

/** A segment is closed past this size, and removed once all its entries are committed. */
const DEFAULT_SEGMENT_BYTES = 4 * 1024 * 1024

interface Segment extends JournalTicket {
  path: string
  fd: number
  bytes: number
  outstanding: number
  sealed: boolean
}

/**
 * Under steady load some entry is always on its way to the database, so a single file would never
 * be empty: the journal is a chain of segments, each removed once everything in it is committed.
 * Files are created at the first append, so a start-up recovery never mistakes them for a dead one's.
 */
export function openGenerationJournal(
  directory: string,
  options: { segmentBytes?: number } = {},
): GenerationJournal {
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES
  const prefix = `generations-${process.pid}-${Math.random().toString(36).slice(2, 10)}`
  const segments = new Map<number, Segment>()
  let current: Segment | undefined
  let sequence = 0

  function openSegment(): Segment {
    mkdirSync(directory, { recursive: true })
    const path = join(directory, `${prefix}-${(++sequence).toString(36)}.jsonl`)
    const segment = {
      segment: sequence,
      path,
      fd: openSync(path, 'ax'),
      bytes: 0,
      outstanding: 0,
      sealed: false,
    }
    segments.set(sequence, segment)
    return segment
  }

  function seal(segment: Segment): void {
    segment.sealed = true
    closeSync(segment.fd)
    if (segment.outstanding === 0) remove(segment)
  }

  function remove(segment: Segment): void {
    segments.delete(segment.segment)
    unlinkSync(segment.path)
  }

  return {
    append(entry) {
      if (current && current.bytes >= segmentBytes) {
        seal(current)
        current = undefined
      }
      current ??= openSegment()
      const line = `${JSON.stringify(entry)}\n`
      current.bytes += writeSync(current.fd, line)
      current.outstanding++
      return current
    },
    committed(ticket) {
      const segment = segments.get(ticket.segment)
      if (!segment || --segment.outstanding > 0) return
      if (segment.sealed) remove(segment)
      else {
        // Appends go to the end of the file (O_APPEND), which is 0 again after this.
        ftruncateSync(segment.fd, 0)
        segment.bytes = 0
      }
    },
    close() {
      if (current) seal(current)
      current = undefined
    },
  }
}

export interface JournalRecovery {
  /** Entries read from journals left by processes that are gone. */
  entries: number
  /** Journal files replayed and removed. */
  files: number
  /** Entries the database refused for good (their user deleted since, say), left out. */
  dropped: number
}

/**
 * Writes what journals of ended processes hold (entries the database already has are skipped), then
 * removes those files. Journals of processes still running are left to them. Call before serving.
 */
export async function recoverGenerationJournals(directory: string, db: Executor): Promise<JournalRecovery> {
  let names: string[]
  try {
    names = readdirSync(directory)
  } catch {
    return { entries: 0, files: 0, dropped: 0 }
  }
  const recovery: JournalRecovery = { entries: 0, files: 0, dropped: 0 }
  for (const name of names) {
    const match = FILE_PATTERN.exec(name)
    if (!match || isRunning(Number(match[1]))) continue
    const path = join(directory, name)
    const entries = parseJournal(readFileSync(path, 'utf8'))
    for (let start = 0; start < entries.length; start += REPLAY_BATCH) {
      recovery.dropped += await replay(db, entries.slice(start, start + REPLAY_BATCH))
    }
    unlinkSync(path)
    recovery.entries += entries.length
    recovery.files++
  }
  return recovery
}

/**
 * Writes a batch; when the statement fails, entry by entry, leaving out those refused for good.
 * Any other failure (the database unreachable) stops the start: the file stays for the next one.
 */
async function replay(db: Executor, entries: FinishedGeneration[]): Promise<number> {
  try {
    await insertFinishedGenerations(db, entries, { skipExisting: true })
    return 0
  } catch (error) {
    if (entries.length === 1 && isRefusedForGood(error)) return 1
    if (entries.length === 1) throw error
  }
  let dropped = 0
  for (const entry of entries) dropped += await replay(db, [entry])
  return dropped
}

/** Complete lines only: a crash mid-append leaves a last line without its newline. */
export function parseJournal(text: string): FinishedGeneration[] {
  const complete = text.slice(0, text.lastIndexOf('\n') + 1)
  const entries: FinishedGeneration[] = []
  for (const line of complete.split('\n')) {
    if (line.length === 0) continue
    try {
      entries.push(JSON.parse(line, reviveDates) as FinishedGeneration)
    } catch {
      // A line torn by the machine crashing (zeros where the page never reached the disk): skipped.
    }
  }
  return entries
}

function reviveDates(key: string, value: unknown): unknown {
  return DATE_KEYS.has(key) && typeof value === 'string' ? new Date(value) : value
}

/** Our own pid is another process's journal from before a restart (pid 1 in a container, say). */
function isRunning(pid: number): boolean {
  if (pid === process.pid) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
