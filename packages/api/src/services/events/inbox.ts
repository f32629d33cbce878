/**
 * @module An inbox on a bus channel: buffers what arrives until a stream takes it, so nothing
 * published between "subscribed" and "the stream asks for more" is lost.
 */
import type { EventBus } from './event-bus.js'

export interface Inbox {
  /**
   * Everything buffered; when there is nothing, waits for the next message, at most `timeoutMs`,
   * and returns `[]` on timeout or abort.
   */
  take(timeoutMs: number): Promise<unknown[]>
  close(): Promise<void>
}

/** Subscribes now (resolved = every later publish is caught). */
export async function openInbox(bus: EventBus, channel: string, signal?: AbortSignal): Promise<Inbox> {
  const buffered: unknown[] = []
  let wake: (() => void) | undefined
  const unsubscribe = await bus.subscribe(channel, (message) => {
    buffered.push(message)
    wake?.()
  })
  return {
    async take(timeoutMs) {
      if (buffered.length === 0 && !signal?.aborted) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(finish, timeoutMs)
          signal?.addEventListener('abort', finish, { once: true })
          wake = finish
          function finish() {
            clearTimeout(timer)
            signal?.removeEventListener('abort', finish)
            wake = undefined
            resolve()
          }
        })
      }
      return buffered.splice(0, buffered.length)
    },
    close: unsubscribe,
  }
}
