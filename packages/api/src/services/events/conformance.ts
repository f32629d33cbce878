/**
 * @module The EventBus conformance suite: every EventBus implementation must pass it.
 * @example runEventBusConformance('memory', { create: async () => ({ bus: createMemoryEventBus(), close: async () => {} }) })
 */
import { randomUUID } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import type { EventBus } from './event-bus.js'

export interface EventBusFixture {
  bus: EventBus
  /** Another bus on the same transport (as another server instance would have), if there is one. */
  peer?: EventBus
  /** Releases whatever `create` opened. */
  close(): Promise<void>
}

export interface EventBusFactory {
  create(): Promise<EventBusFixture>
}

/** Resolves once `check` passes, polling; fails after `timeoutMs`. */
async function eventually(check: () => void, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      check()
      return
    } catch (error) {
      if (Date.now() > deadline) throw error
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
}

function collector() {
  const received: unknown[] = []
  return { received, onMessage: (message: unknown) => void received.push(message) }
}

export function runEventBusConformance(label: string, factory: EventBusFactory): void {
  describe(`EventBus conformance: ${label}`, () => {
    const channel = () => `test:${randomUUID()}`

    async function withBus(run: (fixture: EventBusFixture) => Promise<void>): Promise<void> {
      const fixture = await factory.create()
      try {
        await run(fixture)
      } finally {
        await fixture.close()
      }
    }

    it('delivers to the channel’s subscribers only, as JSON, in publish order', async () => {
      await withBus(async ({ bus }) => {
        const [a, b] = [channel(), channel()]
        const onA = collector()
        const onB = collector()
        const stopA = await bus.subscribe(a, onA.onMessage)
        const stopB = await bus.subscribe(b, onB.onMessage)
        const at = new Date('2026-11-25T12:00:00Z')
        await bus.publish(a, { n: 0, at, nested: { list: [1, 'two', null] } })
        for (let n = 1; n < 50; n++) await bus.publish(a, { n })
        await bus.publish(b, 'for b')
        await eventually(() => expect(onA.received).toHaveLength(50))
        expect(onA.received[0]).toEqual({ n: 0, at: at.toISOString(), nested: { list: [1, 'two', null] } })
        expect(onA.received.map((message) => (message as { n: number }).n)).toEqual(
          Array.from({ length: 50 }, (_, n) => n),
        )
        await eventually(() => expect(onB.received).toEqual(['for b']))
        await stopA()
        await stopB()
      })
    })

    it('counts subscriptions per channel: one leaving does not silence the others', async () => {
      await withBus(async ({ bus }) => {
        const name = channel()
        const first = collector()
        const second = collector()
        const stopFirst = await bus.subscribe(name, first.onMessage)
        const stopSecond = await bus.subscribe(name, second.onMessage)
        // The same function twice is two subscriptions.
        const stopSecondAgain = await bus.subscribe(name, second.onMessage)
        await bus.publish(name, 1)
        await eventually(() => expect(second.received).toEqual([1, 1]))
        await eventually(() => expect(first.received).toEqual([1]))

        await stopSecond()
        await stopSecond() // twice is harmless
        await bus.publish(name, 2)
        await eventually(() => expect(first.received).toEqual([1, 2]))
        await eventually(() => expect(second.received).toEqual([1, 1, 2]))

        await stopSecondAgain()
        await bus.publish(name, 3)
        await eventually(() => expect(first.received).toEqual([1, 2, 3]))
        expect(second.received).toEqual([1, 1, 2])
        await stopFirst()
      })
    })

    it('delivers nothing after the last unsubscribe, and again after a quick resubscribe', async () => {
      await withBus(async ({ bus }) => {
        const name = channel()
        const gone = collector()
        const stop = await bus.subscribe(name, gone.onMessage)
        await stop()
        // Unsubscribe and subscribe racing on one channel must settle on "subscribed".
        const churn = collector()
        const [stopAgain] = await Promise.all([
          bus.subscribe(name, churn.onMessage),
          bus.subscribe(name, () => {}).then((unsubscribe) => unsubscribe()),
        ])
        await bus.publish(name, 'after')
        await eventually(() => expect(churn.received).toEqual(['after']))
        expect(gone.received).toEqual([])
        await stopAgain()
      })
    })

    it('keeps delivering to the others when one subscriber throws', async () => {
      await withBus(async ({ bus }) => {
        const name = channel()
        const ok = collector()
        const stopBad = await bus.subscribe(name, () => {
          throw new Error('subscriber bug')
        })
        const stopOk = await bus.subscribe(name, ok.onMessage)
        await bus.publish(name, 'x')
        await bus.publish(name, 'y')
        await eventually(() => expect(ok.received).toEqual(['x', 'y']))
        await stopBad()
        await stopOk()
      })
    })

    it('reaches subscribers of another instance on the same transport', async () => {
      await withBus(async ({ bus, peer }) => {
        if (!peer) return // one process only: nothing to cross
        const name = channel()
        const there = collector()
        const here = collector()
        const stopThere = await peer.subscribe(name, there.onMessage)
        const stopHere = await bus.subscribe(name, here.onMessage)
        await bus.publish(name, { from: 'bus' })
        await peer.publish(name, { from: 'peer' })
        await eventually(() => expect(there.received).toEqual([{ from: 'bus' }, { from: 'peer' }]))
        await eventually(() => expect(here.received).toEqual([{ from: 'bus' }, { from: 'peer' }]))
        await stopThere()
        await stopHere()
      })
    })
  })
}
