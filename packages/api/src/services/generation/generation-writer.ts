/**
 * @module Group commit for finished generations. Calls that finish while a write is in flight, or
 * in the same turn of the event loop, are written together: one INSERT of all their generations and
 * images. Under load the database sees one statement per batch instead of one per call (PGlite
 * spends ~1-2 ms on any statement; PostgreSQL a round trip and a commit). Nobody waits for a timer:
 * an idle writer writes after one `setImmediate`, which lets the I/O callbacks already due (other
 * calls finishing) join first. That matters for PGlite, whose statements run on this thread: while
 * one runs, nothing else can finish and queue. Every caller still waits until its own rows are
 * committed.
 */
import { type Executor, type FinishedGeneration, type ImageRow, insertFinishedGenerations } from '@nbl/db'

/** Rows per statement stay far below PostgreSQL's 65 535 bind parameters (about 80 per entry). */
const MAX_BATCH = 64

interface Pending {
  entry: FinishedGeneration
  resolve(images: ImageRow[]): void
  reject(error: unknown): void
}

export interface GenerationWriter {
  /** Resolves with the entry's images once they and the generation are committed. */
  write(entry: FinishedGeneration): Promise<ImageRow[]>
}

export function createGenerationWriter(db: Executor): GenerationWriter {
  const queue: Pending[] = []
  let flushing = false

  async function flush(): Promise<void> {
    try {
      while (queue.length > 0) await writeBatch(queue.splice(0, MAX_BATCH))
    } finally {
      flushing = false
    }
  }

  async function writeBatch(batch: Pending[]): Promise<void> {
    try {
      const images = await insertFinishedGenerations(
        db,
        batch.map((pending) => pending.entry),
      )
      for (const pending of batch) {
        const id = pending.entry.generation.id
        pending.resolve(images.filter((image) => image.generation_id === id))
      }
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error)
        return
      }
      // One bad entry (its user deleted meanwhile, say) fails the statement: the others are
      // written one by one, so only that caller sees the error.
      for (const pending of batch) await writeBatch([pending])
    }
  }

  return {
    write(entry) {
      return new Promise<ImageRow[]>((resolve, reject) => {
        queue.push({ entry, resolve, reject })
        if (flushing) return
        flushing = true
        setImmediate(() => void flush())
      })
    },
  }
}

const writers = new WeakMap<Executor, GenerationWriter>()

/** One writer per database handle, so every call on it joins the same batches. */
export function generationWriterFor(db: Executor): GenerationWriter {
  let writer = writers.get(db)
  if (!writer) {
    writer = createGenerationWriter(db)
    writers.set(db, writer)
  }
  return writer
}
