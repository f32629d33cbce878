/**
 * @module Library search repository on PGlite and, when TEST_DATABASE_URL is set, on PostgreSQL (in a
 * throwaway database): ranking, prefix matching while typing, websearch syntax, highlights,
 * suggestions with typos, offset cursors, and nothing private of another user.
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createDatabase, type DatabaseHandle } from '../dialect.js'
import { createId } from '../ids.js'
import { migrateToLatest } from '../migrate.js'
import type { NewImageRow } from '../schema.js'
import { InvalidCursorError } from './cursor.js'
import {
  decodeOffsetCursor,
  encodeOffsetCursor,
  searchImagesForOwner,
  searchPrompts,
  searchTemplates,
  splitLastWord,
  suggestSearchTerms,
} from './search.js'

const adminUrl = process.env.TEST_DATABASE_URL

async function onServer(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(statement)
  } finally {
    await client.end()
  }
}

async function createPostgres(): Promise<DatabaseHandle> {
  const name = `nbl_search_${randomBytes(6).toString('hex')}`
  await onServer(adminUrl!, `create database ${name}`)
  const url = new URL(adminUrl!)
  url.pathname = `/${name}`
  const handle = await createDatabase({ databaseUrl: url.toString(), max: 2 })
  return {
    ...handle,
    close: async () => {
      await handle.close()
      // The pool's sockets may still be closing; `with (force)` ends what is left.
      await new Promise((resolve) => setTimeout(resolve, 50))
      await onServer(adminUrl!, `drop database if exists ${name} with (force)`)
    },
  }
}

const DIALECTS: [string, () => Promise<DatabaseHandle>][] = [
  ['PGlite', () => createDatabase({})],
  ...(adminUrl ? [['PostgreSQL', createPostgres] as [string, () => Promise<DatabaseHandle>]] : []),
]

describe('splitLastWord', () => {
  it.each([
    ['sunse', { head: '', word: 'sunse' }],
    ['red fo', { head: 'red ', word: 'fo' }],
    ['"red fox" sno', { head: '"red fox" ', word: 'sno' }],
  ])('matches the last word of %j as a prefix', (q, expected) => {
    expect(splitLastWord(q)).toEqual(expected)
  })

  it.each([['red -fo'], ['"red fo'], ['red or'], ['red OR fo'], ['fox!'], ['!!!'], ["l'amo"]])(
    'keeps %j as websearch wrote it',
    (q) => {
      expect(splitLastWord(q)).toBeUndefined()
    },
  )
})

describe('offset cursors', () => {
  it('decode what they encode', () => {
    expect(decodeOffsetCursor(encodeOffsetCursor(40))).toBe(40)
  })

  it.each([
    ['garbage', 'not a cursor'],
    [
      'a keyset cursor',
      Buffer.from(JSON.stringify({ createdAt: '2026-01-01', id: 'x' })).toString('base64url'),
    ],
    ['a negative offset', encodeOffsetCursor(-5)],
    ['a fractional offset', encodeOffsetCursor(1.5)],
    ['a huge offset', encodeOffsetCursor(1e9)],
    ['a string offset', Buffer.from(JSON.stringify({ offset: '20' })).toString('base64url')],
  ])('refuse %s', (_case, cursor) => {
    expect(() => decodeOffsetCursor(cursor)).toThrow(InvalidCursorError)
  })
})

describe.each(DIALECTS)('library search on %s', (_name, create) => {
  let handle: DatabaseHandle
  const alice = createId('usr')
  const bob = createId('usr')
  let clock = Date.parse('2026-03-01T00:00:00Z')
  /** Distinct, increasing creation times, so "newest first" is certain. */
  const later = () => {
    clock += 60_000
    return new Date(clock)
  }

  async function image(userId: string, prompt: string, overrides: Partial<NewImageRow> = {}) {
    const id = createId('img')
    await handle.db
      .insertInto('images')
      .values({
        id,
        user_id: userId,
        generation_id: null,
        storage_key: `images/${id}.png`,
        mime_type: 'image/png',
        width: 1024,
        height: 1024,
        bytes: 1,
        prompt,
        provider: 'local',
        model: 'local-1',
        chat_session_id: null,
        parent_image_id: null,
        created_at: later(),
        ...overrides,
      })
      .execute()
    return id
  }

  async function prompt(
    userId: string,
    title: string,
    text: string,
    options: { isPublic?: boolean; category?: string } = {},
  ) {
    const id = createId('prm')
    const at = later()
    await handle.db
      .insertInto('prompts')
      .values({
        id,
        user_id: userId,
        title,
        text,
        category: options.category ?? 'general',
        tags: JSON.stringify(['seed']),
        is_public: options.isPublic ?? false,
        created_at: at,
        updated_at: at,
      })
      .execute()
    return id
  }

  async function template(userId: string, name: string, text: string, isPublic = false) {
    const id = createId('tpl')
    const at = later()
    await handle.db
      .insertInto('templates')
      .values({
        id,
        user_id: userId,
        name,
        description: null,
        prompt: text,
        is_public: isPublic,
        created_at: at,
        updated_at: at,
      })
      .execute()
    return id
  }

  beforeAll(async () => {
    handle = await create()
    await migrateToLatest(handle.db)
    await handle.db
      .insertInto('users')
      .values([
        { id: alice, name: 'Alice', email: null, role: 'user', tier: 'free' },
        { id: bob, name: 'Bob', email: null, role: 'user', tier: 'free' },
      ])
      .execute()
  }, 60_000)
  afterAll(() => handle?.close())

  it('ranks a close match above a scattered one and ties newest first, only over the owner’s images', async () => {
    const scattered = await image(alice, 'a red barn on a hill, and far away beside the river a sleepy fox')
    const older = await image(alice, 'red fox in the snow')
    const newer = await image(alice, 'red fox in the snow')
    await image(alice, 'blue whale')
    await image(bob, 'red fox in the snow, Bob’s')
    const page = await searchImagesForOwner(handle.db, alice, { q: 'red fox', limit: 10 })
    expect(page.items.map((row) => row.id)).toEqual([newer, older, scattered])
    expect(page.items[0]!.rank).toBeGreaterThan(page.items[2]!.rank)
    expect(page.items[0]!.rank).toBeLessThan(1)
    expect(page.items[0]!.highlight).toBe('<b>red</b> <b>fox</b> in the snow')
    expect(page.items[0]).not.toHaveProperty('search')
    expect(page.nextCursor).toBeNull()
  })

  it('matches the last word as a prefix while it is typed, stemming complete words', async () => {
    const sunset = await image(alice, 'Golden sunset over the sea')
    expect(
      (await searchImagesForOwner(handle.db, alice, { q: 'golden suns', limit: 5 })).items.map(
        (row) => row.id,
      ),
    ).toEqual([sunset])
    expect(
      (await searchImagesForOwner(handle.db, alice, { q: 'sunsets', limit: 5 })).items.map((row) => row.id),
    ).toEqual([sunset])
    const [hit] = (await searchImagesForOwner(handle.db, alice, { q: 'sunse', limit: 5 })).items
    expect(hit?.highlight).toContain('<b>sunset</b>')
  })

  it('honours websearch syntax: exclusion, OR and quoted phrases', async () => {
    const owl = await image(alice, 'snowy owl at night')
    const cat = await image(alice, 'snowy cat at night')
    const ids = async (q: string) =>
      (await searchImagesForOwner(handle.db, alice, { q, limit: 20 })).items.map((row) => row.id)
    expect(await ids('snowy -cat')).toEqual([owl])
    expect(new Set(await ids('owl or cat'))).toEqual(new Set([owl, cat]))
    expect(await ids('"night snowy"')).toEqual([])
    expect(await ids('"snowy owl"')).toEqual([owl])
  })

  it('returns nothing, without failing, for stop words and punctuation', async () => {
    for (const q of ['the of and', '!!! ???', '&&', "'", ':*', '\\', 'it’s the', '-', 'or']) {
      expect((await searchImagesForOwner(handle.db, alice, { q, limit: 5 })).items, q).toEqual([])
      await searchPrompts(handle.db, alice, { q, limit: 5 })
      await searchTemplates(handle.db, alice, { q, limit: 5 })
    }
  })

  it('escapes the stored text in highlights', async () => {
    await image(alice, 'a <script>alert("x")</script> & tiger\'s <b>lair</b>')
    const [hit] = (await searchImagesForOwner(handle.db, alice, { q: 'tiger', limit: 5 })).items
    expect(hit?.highlight).toContain('<b>tiger</b>&#39;s')
    expect(hit?.highlight).toContain('&lt;/script&gt; &amp; ')
    expect(hit?.highlight).toContain('&lt;b&gt;lair&lt;/b&gt;')
    expect(hit?.highlight).not.toMatch(/<(?!\/?b>)/)
  })

  it('filters by provider and pages with an offset cursor', async () => {
    for (let index = 0; index < 5; index++)
      await image(alice, `paged lantern ${index}`, { provider: index < 3 ? 'google' : 'local' })
    const first = await searchImagesForOwner(handle.db, alice, { q: 'lantern', limit: 2, provider: 'google' })
    expect(first.items).toHaveLength(2)
    const second = await searchImagesForOwner(handle.db, alice, {
      q: 'lantern',
      limit: 2,
      provider: 'google',
      cursor: first.nextCursor!,
    })
    expect(second.items).toHaveLength(1)
    expect(second.nextCursor).toBeNull()
    expect(new Set([...first.items, ...second.items].map((row) => row.provider))).toEqual(new Set(['google']))
    await expect(
      searchImagesForOwner(handle.db, alice, { q: 'lantern', limit: 2, cursor: 'forged' }),
    ).rejects.toThrow(InvalidCursorError)
  })

  it('ranks a title match above a text match, within the caller’s and public prompts only', async () => {
    const body = await prompt(alice, 'Evening scene', 'a lighthouse at dusk with crashing waves')
    const title = await prompt(alice, 'Lighthouse', 'a tall tower by the sea at dusk')
    const publicOther = await prompt(bob, 'Lighthouse keeper', 'an old keeper on the stairs', {
      isPublic: true,
    })
    await prompt(bob, 'Lighthouse secret', 'Bob’s private lighthouse', { isPublic: false })
    const all = await searchPrompts(handle.db, alice, { q: 'lighthouse', limit: 10 })
    expect(all.items.map((row) => row.id)).toEqual([publicOther, title, body])
    const byId = new Map(all.items.map((row) => [row.id, row]))
    expect(byId.get(title)!.rank).toBeGreaterThan(byId.get(body)!.rank)
    expect(byId.get(title)).toMatchObject({ is_own: true, title_highlight: '<b>Lighthouse</b>' })
    expect(byId.get(publicOther)).toMatchObject({ is_own: false, is_public: true, tags: ['seed'] })
    expect(byId.get(body)!.highlight).toContain('<b>lighthouse</b>')
    expect(
      (await searchPrompts(handle.db, alice, { q: 'lighthouse', scope: 'mine', limit: 10 })).items.map(
        (row) => row.id,
      ),
    ).toEqual([title, body])
    expect(
      (await searchPrompts(handle.db, alice, { q: 'lighthouse', scope: 'public', limit: 10 })).items.map(
        (row) => row.id,
      ),
    ).toEqual([publicOther])
    expect(
      (await searchPrompts(handle.db, bob, { q: 'lighthouse', scope: 'mine', limit: 10 })).items,
    ).toHaveLength(2)
  })

  it('filters prompts by category', async () => {
    const portrait = await prompt(alice, 'Harbor portrait', 'a fisherman', { category: 'portrait' })
    await prompt(alice, 'Harbor view', 'boats', { category: 'landscape' })
    const page = await searchPrompts(handle.db, alice, { q: 'harbor', category: 'portrait', limit: 10 })
    expect(page.items.map((row) => row.id)).toEqual([portrait])
  })

  it('finds the caller’s and public templates, never another user’s private one', async () => {
    const mine = await template(alice, 'Neon city', 'a {{subject}} in a neon city')
    const shared = await template(bob, 'Neon portrait', 'a neon-lit {{subject}}', true)
    await template(bob, 'Neon secret', 'Bob’s neon', false)
    const page = await searchTemplates(handle.db, alice, { q: 'neon', limit: 10 })
    expect(new Set(page.items.map((row) => row.id))).toEqual(new Set([mine, shared]))
    expect(page.items.find((row) => row.id === mine)).toMatchObject({
      is_own: true,
      name_highlight: '<b>Neon</b> city',
    })
  })

  it('suggests prefix matches first, then similar words, distinct case-insensitively', async () => {
    await image(alice, 'Sunset over the mountains')
    await image(alice, 'sunset over the mountains')
    await prompt(alice, 'Sunny meadow', 'flowers')
    await template(bob, 'Sunset template', 'x', true)
    await prompt(bob, 'Sunset private of Bob', 'hidden')
    await image(bob, 'sunset of Bob')
    await image(alice, 'golden sunset beach')
    const suggestions = await suggestSearchTerms(handle.db, alice, { q: 'sun', limit: 20 })
    const texts = suggestions.map((suggestion) => suggestion.text.toLowerCase())
    expect(texts.filter((text) => text === 'sunset over the mountains')).toHaveLength(1)
    expect(texts).toContain('sunny meadow')
    expect(texts).toContain('sunset template')
    expect(texts.some((text) => text.includes('bob'))).toBe(false)
    // Texts starting with "sun" before the one where a later word does.
    const golden = texts.indexOf('golden sunset beach')
    expect(golden).toBeGreaterThan(texts.indexOf('sunny meadow'))
    expect(suggestions[golden]!.score).toBeGreaterThanOrEqual(1)
    expect(suggestions[0]!.score).toBeGreaterThanOrEqual(2)
    expect(suggestions.find((suggestion) => suggestion.text === 'Sunset template')?.kind).toBe('template')

    const typo = await suggestSearchTerms(handle.db, alice, { q: 'sunst', limit: 5 })
    expect(typo.map((suggestion) => suggestion.text.toLowerCase())).toContain('sunset over the mountains')
    expect(typo.every((suggestion) => suggestion.score < 1)).toBe(true)
    expect(await suggestSearchTerms(handle.db, alice, { q: '%_\\', limit: 5 })).toEqual([])
    expect(await suggestSearchTerms(handle.db, alice, { q: 'sun', limit: 2 })).toHaveLength(2)
  })
})
