/**
 * @module Write-ahead journal of finished generations. A `generate.image` answers once its
 * generation and images are appended here (one synchronous append to the page cache, ~0.02 ms), and
 * the group-commit writer copies them into the database behind the answer. Waiting for the database
 * instead cost 1.4-1.7 ms per call at one connection (bench/README.md).
 *
 * One file per writer process, `<dir>/generations-<pid>-<random>.jsonl`, one JSON entry per line. It
 * is emptied whenever everything appended has been committed. Like the object packs, it survives a
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
import { type Executor, type FinishedGeneration, insertFinishedGenerations } from '@nbl/db'

const FILE_PATTERN = /^generations-(\d+)-[a-z0-9]+\.jsonl$/
/** Entries per statement when a journal is replayed. */
const REPLAY_BATCH = 64
/** Keys of the entry whose values are dates (JSON has strings). */
const DATE_KEYS = new Set(['created_at', 'finished_at', 'finishedAt'])

export interface GenerationJournal {
  /** Appends the entry; it is on disk (in the page cache) when this returns. */
  append(entry: FinishedGeneration): void
  /** `count` appended entries are in the database; when none is left, the file is emptied. */
  committed(count: number): void
  close(): void
}

/** The file is created at the first append, so a start-up recovery never mistakes it for a dead one. */
export function openGenerationJournal(directory: string): GenerationJournal {
  const path = join(directory, `generations-${process.pid}-${Math.random().toString(36).slice(2, 10)}.jsonl`)
  let fd: number | undefined
  let outstanding = 0
  return {
    append(entry) {
      if (fd === undefined) {
        mkdirSync(directory, { recursive: true })
        fd = openSync(path, 'ax')
      }
      writeSync(fd, `${JSON.stringify(entry)}\n`)
      outstanding++
    },
    committed(count) {
      outstanding = Math.max(0, outstanding - count)
      // Appends go to the end of the file (O_APPEND), which is 0 again after this.
      if (outstanding === 0 && fd !== undefined) ftruncateSync(fd, 0)
    },
    close() {
      if (fd === undefined) return
      closeSync(fd)
      fd = undefined
      // Nothing outstanding: the file has nothing to replay.
      if (outstanding === 0) unlinkSync(path)
    },
  }
}

export interface JournalRecovery {
  /** Entries read from journals left by processes that are gone. */
  entries: number
  /** Journal files replayed and removed. */
  files: number
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
    return { entries: 0, files: 0 }
  }
  const recovery: JournalRecovery = { entries: 0, files: 0 }
  for (const name of names) {
    const match = FILE_PATTERN.exec(name)
    if (!match || isRunning(Number(match[1]))) continue
    const path = join(directory, name)
    const entries = parseJournal(readFileSync(path, 'utf8'))
    for (let start = 0; start < entries.length; start += REPLAY_BATCH) {
      await insertFinishedGenerations(db, entries.slice(start, start + REPLAY_BATCH), { skipExisting: true })
    }
    unlinkSync(path)
    recovery.entries += entries.length
    recovery.files++
  }
  return recovery
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
