/**
 * @module The EventBus over Redis pub/sub, for several server instances. One subscriber
 * connection serves every subscription of the process: a channel is SUBSCRIBEd while at least
 * one local listener wants it (ref-counted) and UNSUBSCRIBEd when the last one leaves.
 */
import type { Redis } from 'ioredis'
import { createRedisConnection } from '../redis/connection.js'
import { deliverSafely, type EventBus, type Unsubscribe } from './event-bus.js'

export interface RedisEventBusOptions {
  /** Any connection; PUBLISH only. */
  publisher: Redis
  /** A connection for this bus alone: in subscriber mode Redis accepts no other commands on it. */
  subscriber: Redis
  /** Prepended to every channel name, e.g. `nbl:` (separates deployments sharing one Redis). */
  prefix: string
}

export interface RedisEventBus extends EventBus {
  /** Drops every subscription and detaches from the subscriber; the connections stay the caller's. */
  close(): Promise<void>
}

interface ChannelState {
  listeners: Set<(message: unknown) => void>
  subscribed: boolean
  /** SUBSCRIBE / UNSUBSCRIBE of this channel, one after another. */
  queue: Promise<void>
}

export function createRedisEventBus(options: RedisEventBusOptions): RedisEventBus {
  const { publisher, subscriber, prefix } = options
  const channels = new Map<string, ChannelState>()

  function onRedisMessage(fullChannel: string, payload: string) {
    const state = channels.get(fullChannel)
    if (!state || state.listeners.size === 0) return
    let message: unknown
    try {
      message = JSON.parse(payload)
    } catch {
      return // not one of ours
    }
    for (const listener of [...state.listeners]) deliverSafely(listener, message)
  }
  subscriber.on('message', onRedisMessage)

  /**
   * Brings Redis in line with the listeners, serialised per channel. Deciding inside the queue
   * (not when asked) keeps a quick unsubscribe-then-subscribe from ending up unsubscribed.
   */
  function reconcile(fullChannel: string, state: ChannelState): Promise<void> {
    const run = async () => {
      const wanted = state.listeners.size > 0
      if (wanted && !state.subscribed) {
        await subscriber.subscribe(fullChannel)
        state.subscribed = true
      } else if (!wanted && state.subscribed) {
        state.subscribed = false
        await subscriber.unsubscribe(fullChannel)
      }
      if (!state.subscribed && state.listeners.size === 0 && channels.get(fullChannel) === state) {
        channels.delete(fullChannel)
      }
    }
    const next = state.queue.then(run, run)
    // The queue itself never rejects, so one failed command does not wedge the channel.
    state.queue = next.catch(() => undefined)
    return next
  }

  return {
    async publish(channel, message) {
      await publisher.publish(prefix + channel, JSON.stringify(message ?? null))
    },

    async subscribe(channel, onMessage): Promise<Unsubscribe> {
      const fullChannel = prefix + channel
      let state = channels.get(fullChannel)
      if (!state) {
        state = { listeners: new Set(), subscribed: false, queue: Promise.resolve() }
        channels.set(fullChannel, state)
      }
      // A distinct wrapper per call, so the same function subscribed twice counts twice.
      const listener = (message: unknown) => onMessage(message)
      state.listeners.add(listener)
      const current = state
      try {
        await reconcile(fullChannel, current)
      } catch (error) {
        current.listeners.delete(listener)
        await reconcile(fullChannel, current).catch(() => undefined)
        throw error
      }
      let active = true
      return async function unsubscribe() {
        if (!active) return
        active = false
        current.listeners.delete(listener)
        await reconcile(fullChannel, current)
      }
    },

    async close() {
      subscriber.off('message', onRedisMessage)
      const open = [...channels.entries()]
      channels.clear()
      await Promise.all(
        open.map(async ([fullChannel, state]) => {
          state.listeners.clear()
          await state.queue
          if (state.subscribed) {
            state.subscribed = false
            await subscriber.unsubscribe(fullChannel).catch(() => undefined)
          }
        }),
      )
    },
  }
}

/**
 * Opens the bus's two connections to `url` (commands fail fast while Redis is down; the
 * subscriber re-subscribes by itself after a reconnect); `close()` also closes them.
 * @example const events = connectRedisEventBus(process.env.REDIS_URL!, { prefix: 'nbl:events:' })
 */
export function connectRedisEventBus(
  url: string,
  options: { prefix: string; onError?: (error: Error) => void },
): RedisEventBus {
  const connectionOptions = options.onError ? { onError: options.onError } : {}
  const publisher = createRedisConnection(url, connectionOptions)
  const subscriber = createRedisConnection(url, connectionOptions)
  const bus = createRedisEventBus({ publisher, subscriber, prefix: options.prefix })
  return {
    ...bus,
    async close() {
      await bus.close()
      await Promise.all(
        [publisher, subscriber].map((connection) => connection.quit().catch(() => connection.disconnect())),
      )
    },
  }
}
