import { findGenerationForOwner } from '@nbl/db'
import type { KyselyPlugin } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { finishedGeneration as finished } from '../../../test/generations.js'
import { createHarness, type Harness } from '../../../test/harness.js'
import { createGenerationWriter } from './generation-writer.js'

let harness: Harness
beforeAll(async () => {
  harness = await createHarness()
})
afterAll(() => harness.close())

/** The writer's database, counting the statements it runs. */
function countingDb() {
  const counter = { statements: 0 }
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      counter.statements++
      return args.node
    },
    async transformResult(args) {
      return args.result
    },
  }
  return { db: harness.deps.db.withPlugin(plugin), counter }
}

describe('generation writer (group commit)', () => {
  it('writes calls made together in one statement, and each gets its own images', async () => {
    const { user } = await harness.createUser()
    const { db, counter } = countingDb()
    const writer = createGenerationWriter(db)
    const entries = Array.from({ length: 20 }, (_, index) => finished(user.id, 1 + (index % 3)))
    const written = await Promise.all(entries.map((entry) => writer.write(entry)))

    expect(counter.statements).toBe(1)
    written.forEach((images, index) => {
      expect(images.map((image) => image.id)).toEqual(entries[index]?.images.map((image) => image.id))
    })
    for (const entry of entries) {
      expect((await findGenerationForOwner(harness.deps.db, user.id, entry.generation.id))?.status).toBe(
        'succeeded',
      )
    }
  })

  it('writes calls that arrive while a write is in flight in the next statement', async () => {
    const { user } = await harness.createUser()
    const { db, counter } = countingDb()
    const writer = createGenerationWriter(db)
    const first = writer.write(finished(user.id))
    // Once the first statement has started, these queue behind it.
    await new Promise((resolve) => setImmediate(resolve))
    const later = Array.from({ length: 5 }, () => writer.write(finished(user.id)))
    await Promise.all([first, ...later])
    expect(counter.statements).toBe(2)
  })

  it('fails only the caller whose rows cannot be written; the rest of its batch is written', async () => {
    const { user } = await harness.createUser()
    const writer = createGenerationWriter(harness.deps.db)
    const good = [finished(user.id), finished(user.id), finished(user.id)]
    // No such user: the foreign key refuses this one.
    const orphan = finished('usr_missing')
    const outcomes = await Promise.allSettled(
      [good[0], orphan, good[1], good[2]].map((entry) => writer.write(entry!)),
    )
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ])
    for (const entry of good) {
      expect(await findGenerationForOwner(harness.deps.db, user.id, entry.generation.id)).toBeDefined()
    }
  })
})
