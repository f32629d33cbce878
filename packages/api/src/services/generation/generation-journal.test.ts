import { appendFileSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { type FinishedGeneration, findGenerationForOwner, findImagesForGeneration } from '@nbl/db'
import type { KyselyPlugin } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { finishedGeneration as finished } from '../../../test/generations.js'
import { createHarness, type Harness } from '../../../test/harness.js'
import { openGenerationJournal, parseJournal, recoverGenerationJournals } from './generation-journal.js'
import { createGenerationWriter } from './generation-writer.js'

let harness: Harness
beforeAll(async () => {
  harness = await createHarness({ journal: true, free: { dailyLimit: 1000, cooldownSeconds: 0 } })
})
afterAll(() => harness.close())

let journals = 0
const newJournalDirectory = () => join(harness.dataDir, `journal-test-${++journals}`)
const journalText = (directory: string) =>
  readdirSync(directory)
    .map((name) => readFileSync(join(directory, name), 'utf8'))
    .join('')

/** The harness database, with its INSERTs held until `open()` and the first `failures` refused. */
function heldDb(options: { failures?: number; failure?: () => Error } = {}) {
  let open: () => void = () => undefined
  const gate = new Promise<void>((resolve) => {
    open = resolve
  })
  let failures = options.failures ?? 0
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      if (args.node.kind === 'InsertQueryNode' && failures > 0) {
        failures--
        throw (
          options.failure?.() ?? Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
        )
      }
      return args.node
    },
    async transformResult(args) {
      await gate
      return args.result
    },
  }
  return {
    db: harness.deps.db.withPlugin(plugin),
    open: () => open(),
  }
}

const settledWithin = async (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), ms))])

describe('writing behind a journal', () => {
  it('answers once the entry is journaled; the database gets it behind, then the journal is emptied', async () => {
    const { user } = await harness.createUser()
    const directory = newJournalDirectory()
    const journal = openGenerationJournal(directory)
    const held = heldDb()
    const writer = createGenerationWriter(held.db, { journal })
    const entry = finished(user.id)

    const images = await writer.writeBehind(entry)
    expect(images.map((image) => image.id)).toEqual([entry.images[0]?.id])
    expect(parseJournal(journalText(directory)).map((line) => line.generation.id)).toEqual([
      entry.generation.id,
    ])
    // Not yet committed: the caller's readers wait.
    const committed = writer.committed(user.id)
    expect(committed).toBeDefined()
    expect(await settledWithin(committed!, 50)).toBe(false)

    held.open()
    await committed
    expect(writer.committed(user.id)).toBeUndefined()
    const stored = await findImagesForGeneration(harness.deps.db, user.id, entry.generation.id)
    // The answer's rows are the stored rows, creation time included.
    expect(stored).toEqual(images)
    expect(journalText(directory)).toBe('')
    journal.close()
    expect(readdirSync(directory)).toEqual([])
  })

  it('keeps retrying while the database is unreachable, and writes the entry once it is back', async () => {
    const { user } = await harness.createUser()
    const journal = openGenerationJournal(newJournalDirectory())
    const held = heldDb({ failures: 3 })
    held.open()
    const writer = createGenerationWriter(held.db, { journal })
    const entry = finished(user.id)
    await writer.writeBehind(entry)
    await writer.committed(user.id)
    expect((await findGenerationForOwner(harness.deps.db, user.id, entry.generation.id))?.status).toBe(
      'succeeded',
    )
    journal.close()
  })

  it('drops, and reports, an entry the database refuses for good; the others are written', async () => {
    const { user } = await harness.createUser()
    const journal = openGenerationJournal(newJournalDirectory())
    const errors: unknown[] = []
    const writer = createGenerationWriter(harness.deps.db, {
      journal,
      logger: { error: (details: unknown) => errors.push(details), warn: () => undefined },
    })
    const good = finished(user.id)
    // No such user: the foreign key refuses it, and no retry will change that.
    const orphan = finished('usr_missing')
    await writer.writeBehind(orphan)
    await writer.writeBehind(good)
    await writer.flush()
    expect(errors).toHaveLength(1)
    expect(await findGenerationForOwner(harness.deps.db, user.id, good.generation.id)).toBeDefined()
    expect(writer.committed('usr_missing')).toBeUndefined()
    journal.close()
  })
})

describe('journal segments', () => {
  it('starts a new file past the segment size, and removes each once all its entries are committed', async () => {
    const directory = newJournalDirectory()
    // Two entries per segment: a segment is closed once it holds more than one.
    const entryBytes = Buffer.byteLength(`${JSON.stringify(finished('usr_segments'))}\n`)
    const journal = openGenerationJournal(directory, { segmentBytes: entryBytes + 1 })
    const tickets = Array.from({ length: 5 }, () => journal.append(finished('usr_segments')))
    expect(readdirSync(directory)).toHaveLength(3)
    // The first segment keeps its file until both of its entries are committed.
    journal.committed(tickets[0]!)
    expect(readdirSync(directory)).toHaveLength(3)
    journal.committed(tickets[1]!)
    expect(readdirSync(directory)).toHaveLength(2)
    for (const ticket of tickets.slice(2)) journal.committed(ticket)
    // The segment being written stays, empty.
    expect(readdirSync(directory)).toHaveLength(1)
    expect(journalText(directory)).toBe('')
    journal.close()
    expect(readdirSync(directory)).toEqual([])
  })
})

/** Another process's journal holding `entry`, left behind uncommitted. */
function crashedAgain(directory: string, entry: FinishedGeneration): void {
  const journal = openGenerationJournal(directory)
  journal.append(entry)
  journal.close()
}

describe('recovering journals after a crash', () => {
  it('writes what a process that ended had journaled, once, and ignores a torn last line', async () => {
    const { user } = await harness.createUser()
    const directory = newJournalDirectory()
    // A process that journaled two answers and died before committing them.
    const crashed = openGenerationJournal(directory)
    const entries = [finished(user.id), finished(user.id)]
    for (const entry of entries) crashed.append(entry)
    crashed.close()
    const [file] = readdirSync(directory)
    appendFileSync(join(directory, file as string), '{"generation":{"id":"gen_torn"')
    // One of the two had made it to the database already.
    await createGenerationWriter(harness.deps.db).write(entries[0]!)

    // And one whose user was deleted since: left out, the others written.
    crashedAgain(directory, finished('usr_deleted_since'))

    expect(await recoverGenerationJournals(directory, harness.deps.db)).toEqual({
      entries: 3,
      files: 2,
      dropped: 1,
    })
    for (const entry of entries) {
      const stored = await findGenerationForOwner(harness.deps.db, user.id, entry.generation.id)
      expect(stored?.status).toBe('succeeded')
      expect(stored?.finished_at).toEqual(entry.outcome.finishedAt)
      expect(await findImagesForGeneration(harness.deps.db, user.id, entry.generation.id)).toHaveLength(1)
    }
    expect(readdirSync(directory)).toEqual([])
    expect(await recoverGenerationJournals(directory, harness.deps.db)).toEqual({
      entries: 0,
      files: 0,
      dropped: 0,
    })
  })

  it("leaves a running process's journal alone", async () => {
    const directory = newJournalDirectory()
    const live = openGenerationJournal(directory)
    live.append(finished('usr_whoever'))
    const [file] = readdirSync(directory)
    // The parent of this test process is alive: a journal named after it is not replayed.
    const theirs = join(directory, (file as string).replace(`-${process.pid}-`, `-${process.ppid}-`))
    renameSync(join(directory, file as string), theirs)
    expect(await recoverGenerationJournals(directory, harness.deps.db)).toMatchObject({
      entries: 0,
      files: 0,
    })
    expect(statSync(theirs).size).toBeGreaterThan(0)
  })
})

describe('generate.image with a journal', () => {
  it("answers before the history is committed, and the caller's next read waits for it", async () => {
    const { user, caller } = await harness.createUser()
    const held = heldDb()
    const original = harness.deps.generationWriter
    const journal = openGenerationJournal(newJournalDirectory())
    harness.deps.generationWriter = createGenerationWriter(held.db, { journal })
    try {
      const result = await caller.generate.image({ prompt: 'read your writes' })
      expect(await findGenerationForOwner(harness.deps.db, user.id, result.id)).toBeUndefined()
      const history = caller.library.history.list({})
      expect(await settledWithin(history, 50)).toBe(false)
      held.open()
      expect((await history).items.map((image) => image.id)).toEqual(result.images.map((image) => image.id))
    } finally {
      harness.deps.generationWriter = original
      journal.close()
    }
  })
})
