/**
 * @module EventBus: fan-out of small JSON messages to whoever listens on a channel, in this
 * process (memory) or across instances (Redis pub/sub, `redis-event-bus.ts`). Delivery is
 * at-most-once and not stored: what must survive a dropped message lives in the database, and
 * subscribers re-read it (see `job-event-stream.ts`).
 */
import { EventEmitter } from 'node:events'

export type Unsubscribe = () => Promise<void>

export interface EventBus {
  /** Sends a JSON-serialisable message to the channel's current subscribers. */
  publish(channel: string, message: unknown): Promise<void>
  /**
   * Starts delivering the channel's messages to `onMessage`; once the promise resolves, every later
   * publish reaches it. Messages arrive as JSON round-trips them (a Date becomes a string).
   */
  subscribe(channel: string, onMessage: (message: unknown) => void): Promise<Unsubscribe>
}

/** A listener that throws must not stop the others, nor reach the publisher. */
export function deliverSafely(onMessage: (message: unknown) => void, message: unknown): void {
  try {
    onMessage(message)
  } catch {
    // The subscriber's own bug; it has nowhere better to go from here.
  }
}

/**
 * The embedded bus: one EventEmitter, for a single server process. Messages are copied through
 * JSON so that subscribers see what they would over Redis.
 * @example
 * const bus = createMemoryEventBus()
 * const stop = await bus.subscribe('job:1', (message) => console.log(message))
 * await bus.publish('job:1', { hello: 'world' })
 * await stop()
 */
export function createMemoryEventBus(): EventBus {
  const emitter = new EventEmitter()
  // One listener per open subscription; there is no meaningful maximum.
  emitter.setMaxListeners(0)
  return {
    async publish(channel, message) {
      const payload = JSON.stringify(message ?? null)
      emitter.emit(channel, payload)
    },
    async subscribe(channel, onMessage) {
      const listener = (payload: string) => deliverSafely(onMessage, JSON.parse(payload))
      emitter.on(channel, listener)
      let active = true
      return async function unsubscribe() {
        if (!active) return
        active = false
        emitter.off(channel, listener)
      }
    },
  }
}
