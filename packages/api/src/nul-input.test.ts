/** Text PostgreSQL cannot store (NUL bytes) is a VALIDATION error naming the problem, never a 500. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../test/errors.js'
import { createHarness, type Harness } from '../test/harness.js'

let harness: Harness
beforeAll(async () => {
  harness = await createHarness({ free: { cooldownSeconds: 0 } })
})
afterAll(() => harness.close())

describe('NUL bytes in input', () => {
  it('gives VALIDATION for text columns, jsonb and ids, and charges nothing', async () => {
    const { caller } = await harness.createUser()
    for (const attempt of [
      caller.library.projects.create({ name: 'a\u0000b' }),
      caller.library.prompts.create({ title: 't', text: 'x', tags: ['a\u0000'] }),
      caller.library.projects.get({ projectId: 'prj_\u0000' }),
      caller.generate.image({ prompt: 'a\u0000 cat' }),
    ]) {
      const error = await expectAppError(attempt)
      expect(error).toMatchObject({ trpcCode: 'BAD_REQUEST', appCode: 'VALIDATION' })
    }
    expect((await caller.quota.status()).used).toBe(0)
  })
})
