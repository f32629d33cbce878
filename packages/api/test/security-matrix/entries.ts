/**
 * @module Security-matrix entry types and shared owned-resource setups. Each area of the router keeps
 * its entries in its own file here; `src/security-matrix.test.ts` merges them.
 */
import type { TestUser } from '../harness.js'

export interface OwnedCase {
  /** B's input naming A's resource. */
  input: unknown
  /** A's view of the resource, compared before and after B's call. */
  snapshot: () => Promise<unknown>
}

export type Entry =
  | { kind: 'public' }
  | { kind: 'admin'; input: (ctx: { self: TestUser }) => unknown }
  | { kind: 'owned'; setup: (owner: TestUser) => Promise<OwnedCase> }
  | { kind: 'authed-no-resource' }

export async function ownedImage(owner: TestUser) {
  const result = await owner.caller.generate.image({ prompt: 'owned by A' })
  const imageId = (result.images[0] as { id: string }).id
  return { imageId, snapshot: () => owner.caller.library.history.get({ imageId }) }
}

export async function ownedJob(owner: TestUser) {
  const { jobId } = await owner.caller.generate.batch({ items: [{ prompt: 'owned by A' }] })
  return { jobId, snapshot: () => owner.caller.generate.jobs.get({ jobId }) }
}

export async function ownedChat(owner: TestUser) {
  const session = await owner.caller.chat.create({ title: 'owned by A' })
  await owner.caller.chat.send({ sessionId: session.id, message: 'owned by A' })
  return { sessionId: session.id, snapshot: () => owner.caller.chat.get({ sessionId: session.id }) }
}
