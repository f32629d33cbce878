/**
 * Chat against the Gemini contract fake through the real Google adapter: the third turn's
 * `generateContent` request carries both earlier turns, the images the model made (the last one
 * included) and the thought signatures it must echo.
 */
import { createGoogleImageProvider } from '@nbl/providers'
import { type GoogleFake, startGoogleFake } from '@nbl/providers/fakes'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHarness, type Harness } from '../../test/harness.js'

interface Part {
  text?: string
  inlineData?: { mimeType: string; data: string }
  thoughtSignature?: string
  thought?: boolean
}
interface Content {
  role: 'user' | 'model'
  parts: Part[]
}

let fake: GoogleFake
let harness: Harness

beforeAll(async () => {
  fake = await startGoogleFake()
  harness = await createHarness({
    providers: [createGoogleImageProvider({ apiKey: fake.apiKey, baseUrl: fake.url })],
    includeLocal: false,
  })
})
afterAll(async () => {
  await harness.close()
  await fake.close()
})

async function storedBase64(imageId: string): Promise<string> {
  const row = await harness.deps.db
    .selectFrom('images')
    .select('storage_key')
    .where('id', '=', imageId)
    .executeTakeFirstOrThrow()
  return Buffer.from((await harness.deps.storage.read(row.storage_key))!).toString('base64')
}

describe('chat with Gemini', () => {
  it('sends both earlier turns and the last image with the third turn', async () => {
    const user = await harness.createUser({ tier: 'pro' })
    const session = await user.caller.chat.create({ title: 'sky', provider: 'google' })
    const first = await user.caller.chat.send({ sessionId: session.id, message: 'a hill under a blue sky' })
    const second = await user.caller.chat.send({ sessionId: session.id, message: 'make the sky darker' })
    fake.reset()
    const third = await user.caller.chat.send({ sessionId: session.id, message: 'add a full moon' })
    expect(third.message.images).toHaveLength(1)

    const calls = fake.requests.filter((request) => request.path.endsWith(':generateContent'))
    expect(calls).toHaveLength(1)
    const contents = (calls[0]!.body as { contents: Content[] }).contents
    expect(contents.map((content) => content.role)).toEqual(['user', 'model', 'user', 'model', 'user'])
    const texts = (content: Content) => content.parts.flatMap((part) => (part.text ? [part.text] : []))
    expect(texts(contents[0]!)).toContain('a hill under a blue sky')
    expect(texts(contents[2]!)).toContain('make the sky darker')
    expect(texts(contents[4]!)).toContain('add a full moon')

    // Each model turn hands back the image it made, byte for byte, with its signature.
    for (const [index, turn] of [
      [1, first],
      [3, second],
    ] as const) {
      const images = contents[index]!.parts.filter((part) => part.inlineData && !part.thought)
      expect(images).toHaveLength(1)
      expect(images[0]!.inlineData!.data).toBe(await storedBase64(turn.message.images[0]!.id))
      expect(contents[index]!.parts.some((part) => typeof part.thoughtSignature === 'string')).toBe(true)
    }
    // The last image (turn two's) is what the new turn refines.
    const lineage = await harness.deps.db
      .selectFrom('images')
      .select('parent_image_id')
      .where('id', '=', third.message.images[0]!.id)
      .executeTakeFirstOrThrow()
    expect(lineage.parent_image_id).toBe(second.message.images[0]!.id)
  })
})
