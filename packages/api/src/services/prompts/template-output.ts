/**
 * @module The API shape of a template, its option schema (the generate.image schemas, all optional)
 * and the row mapper.
 */
import type { TemplateRow, TemplateVariable } from '@nbl/db'
import { z } from 'zod'
import {
  aspectRatioSchema,
  generateImageFields,
  outputFormatSchema,
  providerSchema,
  resolutionSchema,
  strategySchema,
} from '../../schemas.js'

/** Default generation options of a template, and the overrides of `use`. */
export const templateOptionsSchema = z.strictObject({
  resolution: resolutionSchema.optional(),
  aspectRatio: aspectRatioSchema.optional(),
  provider: providerSchema.optional(),
  strategy: strategySchema.optional(),
  outputFormat: outputFormatSchema.optional(),
  negativePrompt: generateImageFields.negativePrompt,
})
export type TemplateOptions = z.infer<typeof templateOptionsSchema>

export interface Template {
  id: string
  name: string
  description: string | null
  /** The prompt with `{{variable}}` placeholders. */
  prompt: string
  variables: TemplateVariable[]
  options: TemplateOptions
  category: string | null
  isPublic: boolean
  useCount: number
  /** Whether the caller owns it (and so may update or delete it). */
  isOwner: boolean
  createdAt: string
  updatedAt: string
}

/**
 * The stored options, re-validated: a value a later release no longer accepts (a removed provider)
 * is dropped rather than failing every `use`.
 */
export function storedTemplateOptions(row: Pick<TemplateRow, 'options'>): TemplateOptions {
  const options: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(row.options ?? {})) {
    const field = templateOptionsSchema.shape[key as keyof TemplateOptions]
    if (field?.safeParse(value).success) options[key] = value
  }
  return templateOptionsSchema.parse(options)
}

export function templateRowToTemplate(row: TemplateRow, callerId: string): Template {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    prompt: row.prompt,
    variables: row.variables,
    options: storedTemplateOptions(row),
    category: row.category,
    isPublic: row.is_public,
    useCount: row.use_count,
    isOwner: row.user_id === callerId,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  }
}

/** Every user-written text of a template, for moderation. */
export function templateTexts(template: {
  name: string
  description?: string | null | undefined
  prompt: string
  variables: readonly TemplateVariable[]
  options: TemplateOptions
}): string[] {
  return [
    template.name,
    ...(template.description ? [template.description] : []),
    template.prompt,
    ...template.variables.flatMap((variable) => [
      ...(variable.description ? [variable.description] : []),
      ...(variable.default ? [variable.default] : []),
    ]),
    ...(template.options.negativePrompt ? [template.options.negativePrompt] : []),
  ]
}
