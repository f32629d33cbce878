/**
 * @module Security-matrix entries for library.templates.*, library.prompts.*.
 */
import type { TestUser } from '../harness.js'
import type { Entry } from './entries.js'

/** A private template of `owner` with one variable; the snapshot is the owner's view (use count included). */
export async function ownedTemplate(owner: TestUser) {
  const template = await owner.caller.library.templates.create({
    name: 'owned by A',
    prompt: 'a {{animal}} owned by A',
    variables: [{ name: 'animal', required: true }],
  })
  const templateId = template.id
  return { templateId, snapshot: () => owner.caller.library.templates.get({ templateId }) }
}

/** A private prompt of `owner`. */
export async function ownedPrompt(owner: TestUser) {
  const prompt = await owner.caller.library.prompts.create({
    title: 'owned by A',
    text: 'a prompt owned by A',
  })
  const promptId = prompt.id
  return { promptId, snapshot: () => owner.caller.library.prompts.get({ promptId }) }
}

const templateCase = (input: (templateId: string) => unknown): Entry => ({
  kind: 'owned',
  setup: async (owner) => {
    const { templateId, snapshot } = await ownedTemplate(owner)
    return { input: input(templateId), snapshot }
  },
})

const promptCase = (input: (promptId: string) => unknown): Entry => ({
  kind: 'owned',
  setup: async (owner) => {
    const { promptId, snapshot } = await ownedPrompt(owner)
    return { input: input(promptId), snapshot }
  },
})

export const libraryContentMatrix: Record<string, Entry> = {
  'library.templates.list': { kind: 'authed-no-resource' },
  'library.templates.listPublic': { kind: 'authed-no-resource' },
  'library.templates.create': { kind: 'authed-no-resource' },
  'library.templates.get': templateCase((templateId) => ({ templateId })),
  'library.templates.update': templateCase((templateId) => ({
    templateId,
    name: 'taken by B',
    isPublic: true,
  })),
  'library.templates.delete': templateCase((templateId) => ({ templateId })),
  // B may not generate from A's private template (and A's use count stays).
  'library.templates.use': templateCase((templateId) => ({ templateId, variables: { animal: 'cat' } })),
  'library.prompts.list': { kind: 'authed-no-resource' },
  'library.prompts.create': { kind: 'authed-no-resource' },
  'library.prompts.categories': { kind: 'authed-no-resource' },
  'library.prompts.suggest': { kind: 'authed-no-resource' },
  'library.prompts.get': promptCase((promptId) => ({ promptId })),
  'library.prompts.update': promptCase((promptId) => ({ promptId, title: 'taken by B', isPublic: true })),
  'library.prompts.delete': promptCase((promptId) => ({ promptId })),
}
