/**
 * @module `library.templates.update`: validates and moderates the template as it will be after the
 * change (prompt and variables must still match), then writes it only if nobody changed it since.
 */
import { findTemplateForOwner, type TemplateFields, updateTemplateForOwner } from '@nbl/db'
import type { Context } from '../../context.js'
import { AppError, notFound } from '../../errors.js'
import type { AuthUser } from '../auth/api-keys.js'
import type { TemplateUpdateInput } from './template-inputs.js'
import {
  storedTemplateOptions,
  type Template,
  templateRowToTemplate,
  templateTexts,
} from './template-output.js'
import { assertTemplateVariables } from './template-variables.js'

type AuthedContext = Context & { user: AuthUser }

/** Concurrent updates of one template by its owner: re-read and re-check this many times. */
const MAX_ATTEMPTS = 3

export async function updateTemplateCore(input: TemplateUpdateInput, ctx: AuthedContext): Promise<Template> {
  const { deps, user } = ctx
  const { templateId, ...changes } = input
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
    const current = await findTemplateForOwner(deps.db, user.id, templateId)
    if (!current) throw notFound('template')
    const next: TemplateFields = {
      name: changes.name ?? current.name,
      description: changes.description === undefined ? current.description : changes.description,
      prompt: changes.prompt ?? current.prompt,
      variables: changes.variables ?? current.variables,
      options: changes.options ?? storedTemplateOptions(current),
      category: changes.category === undefined ? current.category : changes.category,
      isPublic: changes.isPublic ?? current.is_public,
    }
    assertTemplateVariables(next.prompt, next.variables)
    await deps.moderation.assertAllowed({
      texts: templateTexts(next),
      purpose: next.isPublic ? 'public' : 'generation',
      logger: deps.logger,
    })
    const updated = await updateTemplateForOwner(deps.db, user.id, templateId, next, {
      ifUpdatedAt: current.updated_at,
    })
    if (updated) return templateRowToTemplate(updated, user.id)
  }
  throw new AppError('IDEMPOTENCY_CONFLICT', 'The template is being changed concurrently; retry', {
    retryAfterMs: 500,
  })
}
