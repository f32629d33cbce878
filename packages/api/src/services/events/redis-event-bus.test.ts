/**
 * The Redis EventBus against a real server (TEST_REDIS_URL), under a prefix of its own.
 */
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'
import { afterAll, describe, expect, it } from 'vitest'
import { runEventBusConformance } from './conformance.js'
import { createRedisEventBus } from './redis-event-bus.js'

const url = process.env.TEST_REDIS_URL
const prefix = `nbl-test-${randomUUID()}:`

describe.skipIf(!url)('Redis EventBus', () => {
  const opened: Redis[] = []
  const connect = () => {
    const connection = new Redis(url!, { lazyConnect: false, maxRetriesPerRequest: 1 })
    opened.push(connection)
    return connection
  }

  afterAll(async () => {
    await Promise.all(opened.map((connection) => connection.quit().catch(() => connection.disconnect())))
  })

  runEventBusConformance('redis', {
    create: async () => {
      const publisher = connect()
      const bus = createRedisEventBus({ publisher, subscriber: connect(), prefix })
      const peer = createRedisEventBus({ publisher, subscriber: connect(), prefix })
      return {
        bus,
        peer,
        close: async () => {
          await bus.close()
          await peer.close()
        },
      }
    },
  })

  it('subscribes each channel once per connection and leaves nothing subscribed', async () => {
    const admin = connect()
    const subscriber = connect()
    const bus = createRedisEventBus({ publisher: connect(), subscriber, prefix })
    const stops = await Promise.all(Array.from({ length: 5 }, () => bus.subscribe('shared', () => {})))
    const channels = () => admin.pubsub('CHANNELS', `${prefix}*`) as Promise<string[]>
    const numsub = async () => (await admin.pubsub('NUMSUB', `${prefix}shared`)) as [string, number]
    expect(await channels()).toEqual([`${prefix}shared`])
    expect((await numsub())[1]).toBe(1)
    await Promise.all(stops.slice(1).map((stop) => stop()))
    expect(await channels()).toEqual([`${prefix}shared`])
    await stops[0]!()
    expect(await channels()).toEqual([])

    await bus.subscribe('left-open', () => {})
    await bus.close()
    expect(await channels()).toEqual([])
  })
})
