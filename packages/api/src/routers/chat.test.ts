import type { ImageProvider } from '@nbl/providers'
import { createScriptedProvider } from '@nbl/providers/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { expectAppError } from '../../test/errors.js'
import { createHarness, type Harness } from '../../test/harness.js'

describe('chat', () => {
  let harness: Harness
  const scripted = createScriptedProvider({ name: 'google' })
  let turn = 0
  // The scripted provider records every request; this wrapper adds the opaque metadata a real
  // multi-turn provider returns (e.g. thought signatures), numbered per turn.
  const google: ImageProvider = {
    ...scripted,
    async generateImage(request, options) {
      const result = await scripted.generateImage(request, options)
      turn += 1
      return { ...result, text: `turn ${turn}`, providerMetadata: { signature: `sig-${turn}` } }
    },
  }

  beforeAll(async () => {
    harness = await createHarness({ providers: [google], includeLocal: false })
  })
  afterAll(async () => {
    await harness.close()
  })

  it('sends the earlier turns to the provider and charges every turn', async () => {
    const user = await harness.createUser({ tier: 'pro' })
    const session = await user.caller.chat.create({ title: 'banana', resolution: '2K' })
    expect(session).toMatchObject({ title: 'banana', resolution: '2K', aspectRatio: '1:1', provider: null })
    const callsBefore = scripted.calls.length

    const first = await user.caller.chat.send({ sessionId: session.id, message: 'a banana' })
    expect(first.message).toMatchObject({ role: 'assistant', text: expect.stringMatching(/^turn /) })
    expect(first.message.images).toHaveLength(1)
    expect(first.quota.used).toBe(2)
    const firstRequest = scripted.calls[callsBefore]!
    expect(firstRequest.history ?? []).toEqual([])

    const second = await user.caller.chat.send({ sessionId: session.id, message: 'make it blue' })
    expect(second.quota.used).toBe(4)
    const secondRequest = scripted.calls[callsBefore + 1]!
    expect(secondRequest.prompt).toBe('make it blue')
    const history = secondRequest.history!
    expect(history).toHaveLength(2)
    expect(history[0]).toMatchObject({ role: 'user', text: 'a banana', images: [] })
    expect(history[1]).toMatchObject({ role: 'model', text: first.message.text })
    expect(history[1]!.providerMetadata).toEqual({ signature: first.message.text!.replace('turn ', 'sig-') })
    const firstImage = first.message.images[0]!
    const key = (
      await harness.deps.db
        .selectFrom('images')
        .select(['storage_key', 'chat_session_id', 'parent_image_id'])
        .where('id', '=', firstImage.id)
        .executeTakeFirstOrThrow()
    ).storage_key
    const stored = await harness.deps.storage.read(key)
    expect(history[1]!.images).toHaveLength(1)
    expect(Buffer.from(history[1]!.images[0]!.data).equals(Buffer.from(stored!))).toBe(true)

    const lineage = await harness.deps.db
      .selectFrom('images')
      .select(['id', 'chat_session_id', 'parent_image_id'])
      .where('id', 'in', [firstImage.id, second.message.images[0]!.id])
      .execute()
    const byId = new Map(lineage.map((row) => [row.id, row]))
    expect(byId.get(firstImage.id)).toMatchObject({ chat_session_id: session.id, parent_image_id: null })
    expect(byId.get(second.message.images[0]!.id)).toMatchObject({
      chat_session_id: session.id,
      parent_image_id: firstImage.id,
    })
    expect((await user.caller.quota.status()).used).toBe(4)
  })

  it('gets, lists and deletes sessions', async () => {
    const user = await harness.createUser({ tier: 'pro' })
    const a = await user.caller.chat.create({})
    const b = await user.caller.chat.create({ title: 'second' })
    await user.caller.chat.send({ sessionId: a.id, message: 'hello' })

    const got = await user.caller.chat.get({ sessionId: a.id })
    expect(got).toMatchObject({ id: a.id, title: 'New chat' })
    expect(got.messages.map((message) => message.role)).toEqual(['user', 'assistant'])
    expect(got.messages[0]).toMatchObject({ text: 'hello', images: [] })
    expect(got.messages[1]!.images).toHaveLength(1)

    const listed = await user.caller.chat.list({})
    expect(listed.items.map((session) => session.id).sort()).toEqual([a.id, b.id].sort())
    const paged = await user.caller.chat.list({ limit: 1 })
    expect(paged.items).toHaveLength(1)
    expect(paged.nextCursor).not.toBeNull()

    expect(await user.caller.chat.delete({ sessionId: a.id })).toEqual({ ok: true })
    expect(await expectAppError(user.caller.chat.get({ sessionId: a.id }))).toMatchObject({
      appCode: 'NOT_FOUND',
    })
    expect((await user.caller.chat.list({})).items.map((session) => session.id)).toEqual([b.id])
  })

  it('hides another user’s session and changes nothing', async () => {
    const owner = await harness.createUser({ tier: 'pro' })
    const other = await harness.createUser({ tier: 'pro' })
    const session = await owner.caller.chat.create({ title: 'mine' })
    await owner.caller.chat.send({ sessionId: session.id, message: 'hello' })
    const before = await owner.caller.chat.get({ sessionId: session.id })
    const calls = scripted.calls.length

    for (const attempt of [
      other.caller.chat.get({ sessionId: session.id }),
      other.caller.chat.send({ sessionId: session.id, message: 'steal' }),
      other.caller.chat.delete({ sessionId: session.id }),
    ]) {
      expect(await expectAppError(attempt)).toMatchObject({ appCode: 'NOT_FOUND' })
    }
    expect(scripted.calls.length).toBe(calls)
    expect((await other.caller.quota.status()).used).toBe(0)
    expect((await other.caller.chat.list({})).items).toEqual([])
    expect(await owner.caller.chat.get({ sessionId: session.id })).toEqual(before)
  })
})
