import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openPackLog, type PackLog } from './pack-log.js'

let root: string
const opened: PackLog[] = []
const open = () => {
  const log = openPackLog(root)
  opened.push(log)
  return log
}
const bytes = (text: string) => new TextEncoder().encode(text)
const text = async (log: PackLog, key: string) => {
  const found = await log.read(key)
  return found && Buffer.from(found.data).toString()
}
const packFiles = async () => (await readdir(join(root, '.packs'))).map((name) => join(root, '.packs', name))

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'nbl-packs-'))
})
afterEach(async () => {
  for (const log of opened.splice(0)) log.close()
  await rm(root, { recursive: true, force: true })
})

describe('pack log', () => {
  it('finds what was written, replaced and removed after a restart', async () => {
    const first = open()
    await first.append('a.png', bytes('alpha'), 'image/png')
    await first.append('b.png', bytes('beta'), 'image/png')
    await first.append('c.webp', bytes('gamma'), 'image/webp')
    await first.append('b.png', bytes('beta, second version'), 'image/png')
    expect(await first.remove('c.webp')).toBe(true)
    first.close()

    const reopened = open()
    expect(await text(reopened, 'a.png')).toBe('alpha')
    expect(await text(reopened, 'b.png')).toBe('beta, second version')
    expect(await reopened.read('c.webp')).toBeUndefined()
    expect((await reopened.read('a.png'))?.contentType).toBe('image/png')
    expect(await reopened.remove('c.webp')).toBe(false)
  })

  it("sees another writer's appends, replacements and removals on the same folder", async () => {
    const writer = open()
    const reader = open()
    await writer.append('shared.png', bytes('one'), 'image/png')
    expect(await text(reader, 'shared.png')).toBe('one')
    await writer.append('shared.png', bytes('two'), 'image/png')
    expect(await text(reader, 'shared.png')).toBe('two')
    await writer.remove('shared.png')
    expect(await reader.read('shared.png')).toBeUndefined()
    // And the other way round: the reader's own pack, written while the writer runs.
    await reader.append('back.png', bytes('from the reader'), 'image/png')
    expect(await text(writer, 'back.png')).toBe('from the reader')
  })

  it('leaves no copy of a removed object on disk', async () => {
    const log = open()
    await log.append('secret.png', bytes('a-very-distinctive-payload'), 'image/png')
    await log.append('kept.png', bytes('kept-payload'), 'image/png')
    await log.remove('secret.png')
    const contents = Buffer.concat(await Promise.all((await packFiles()).map((file) => readFile(file))))
    expect(contents.includes('a-very-distinctive-payload')).toBe(false)
    expect(contents.includes('secret.png')).toBe(false)
    expect(contents.includes('kept-payload')).toBe(true)
  })

  it('ignores a record torn by a crash, and writes on in a new pack', async () => {
    const crashed = open()
    await crashed.append('whole.png', bytes('whole'), 'image/png')
    await crashed.append('torn.png', bytes('this record is cut short'), 'image/png')
    crashed.close()
    const [pack] = await packFiles()
    const { size } = await stat(pack as string)
    await truncate(pack as string, size - 5)

    const restarted = open()
    expect(await text(restarted, 'whole.png')).toBe('whole')
    expect(await restarted.read('torn.png')).toBeUndefined()
    await restarted.append('after.png', bytes('after the crash'), 'image/png')
    expect(await packFiles()).toHaveLength(2)
    expect(await text(open(), 'after.png')).toBe('after the crash')
  })

  it('never serves bytes that no longer match their checksum', async () => {
    const log = open()
    await log.append('flipped.png', bytes('original bytes'), 'image/png')
    const [pack] = await packFiles()
    const contents = await readFile(pack as string)
    const at = contents.indexOf('original bytes')
    contents[at] = 'O'.charCodeAt(0)
    await writeFile(pack as string, contents)
    expect(await log.read('flipped.png')).toBeUndefined()
  })

  it('keeps the later of two puts of one key, even when the earlier one finishes writing last', async () => {
    const log = open()
    // The large one is written asynchronously; the small one, put after it, lands first.
    const large = log.append('raced.png', new Uint8Array(600 * 1024).fill(1), 'image/png')
    const small = log.append('raced.png', bytes('the later put'), 'image/png')
    await Promise.all([large, small])
    expect(await text(log, 'raced.png')).toBe('the later put')
    expect(await text(open(), 'raced.png')).toBe('the later put')
  })

  it('keeps concurrent appends apart', async () => {
    const log = open()
    const keys = Array.from({ length: 200 }, (_, index) => `many/${index}.png`)
    await Promise.all(keys.map((key) => log.append(key, bytes(`payload of ${key}`), 'image/png')))
    // A large object takes the asynchronous write while small ones keep appending.
    const large = new Uint8Array(600 * 1024).fill(7)
    await Promise.all([
      log.append('large.png', large, 'image/png'),
      log.append('small.png', bytes('small'), 'image/png'),
    ])
    const reopened = open()
    for (const key of keys) expect(await text(reopened, key)).toBe(`payload of ${key}`)
    expect(Buffer.from((await reopened.read('large.png'))?.data ?? []).equals(Buffer.from(large))).toBe(true)
    expect(await text(reopened, 'small.png')).toBe('small')
  })
})
