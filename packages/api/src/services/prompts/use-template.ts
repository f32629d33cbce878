/**
 * @module `library.templates.use`: fills the variables, then generates through the same path as
 * generate.image (quota, providers, storage, idempotency), and counts the use.
 */
import { findVisibleTemplate, incrementTemplateUseCount } from '@nbl/db'
import type { Context } from '../../context.js'
import { AppError, notFound } from '../../errors.js'
import { generateImageRequestInput } from '../../schemas.js'
import type { AuthUser } from '../auth/api-keys.js'
import { type GenerationResult, generateImageCore } from '../generation/generate-image.js'
import type { TemplateUseInput } from './template-inputs.js'
import { storedTemplateOptions } from './template-output.js'
import { fillTemplate } from './template-variables.js'

type AuthedContext = Context & { user: AuthUser }

export async function useTemplateCore(
  input: TemplateUseInput,
  ctx: AuthedContext,
): Promise<GenerationResult> {
  const { deps, user } = ctx
  // The caller's own or a public template; another user's private one looks missing.
  const template = await findVisibleTemplate(deps.db, user.id, input.templateId)
  if (!template) throw notFound('template')

  const prompt = fillTemplate(template.prompt, template.variables, input.variables)
  const parsed = generateImageRequestInput.safeParse({
    prompt,
    ...storedTemplateOptions(template),
    ...input.overrides,
    ...(input.idempotencyKey ? { idempotencyKey: input.idempotencyKey } : {}),
  })
  if (!parsed.success) {
    // Only the filled prompt can fail here (the options were validated on the way in): it is the
    // variables' doing, so name them.
    const fieldErrors: Record<string, string[]> = {}
    for (const issue of parsed.error.issues) {
      const field = issue.path[0] === 'prompt' ? 'variables' : issue.path.join('.')
      const message = issue.path[0] === 'prompt' ? `the filled prompt: ${issue.message}` : issue.message
      fieldErrors[field] = [...(fieldErrors[field] ?? []), message]
    }
    throw new AppError(
      'VALIDATION',
      `Invalid input: ${Object.entries(fieldErrors)
        .map(([field, messages]) => `${field}: ${messages.join('; ')}`)
        .join(', ')}`,
      { fieldErrors },
    )
  }

  const result = await generateImageCore(parsed.data, ctx, { searchGrounding: false, kind: 'image' })
  // A replay of an earlier call with the same idempotency key was counted then.
  if (!result.replayed) await incrementTemplateUseCount(deps.db, template.id)
  return result
}
