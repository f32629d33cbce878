/**
 * @module Input schemas of `library.templates.*`.
 */
import { z } from 'zod'
import { idempotencyKeySchema, idSchema, listInput } from '../../schemas.js'
import { promptCategorySchema } from './categories.js'
import { templateOptionsSchema } from './template-output.js'
import {
  MAX_TEMPLATE_VARIABLES,
  MAX_VARIABLE_VALUE_LENGTH,
  templateVariableSchema,
  VARIABLE_NAME_PATTERN,
} from './template-variables.js'

const nameSchema = z.string().trim().min(1).max(200)
const descriptionSchema = z.string().trim().max(2000)
/** The prompt before filling; generate.image's limit applies again to the filled prompt. */
const templatePromptSchema = z.string().trim().min(1).max(4000)
const variablesSchema = z.array(templateVariableSchema).max(MAX_TEMPLATE_VARIABLES)

export const templateIdInput = z.strictObject({ templateId: idSchema })

export const templateListInput = listInput
  .extend({ category: promptCategorySchema.optional() })
  .default({ limit: 20 })

export const templateCreateInput = z.strictObject({
  name: nameSchema,
  description: descriptionSchema.optional(),
  prompt: templatePromptSchema,
  variables: variablesSchema.default([]),
  options: templateOptionsSchema.default({}),
  category: promptCategorySchema.optional(),
  isPublic: z.boolean().default(false),
})
export type TemplateCreateInput = z.infer<typeof templateCreateInput>

/** Omitted fields stay; `null` clears description or category; `options` replaces them all. */
export const templateUpdateInput = z.strictObject({
  templateId: idSchema,
  name: nameSchema.optional(),
  description: descriptionSchema.nullable().optional(),
  prompt: templatePromptSchema.optional(),
  variables: variablesSchema.optional(),
  options: templateOptionsSchema.optional(),
  category: promptCategorySchema.nullable().optional(),
  isPublic: z.boolean().optional(),
})
export type TemplateUpdateInput = z.infer<typeof templateUpdateInput>

export const templateUseInput = z.strictObject({
  templateId: idSchema,
  variables: z
    .record(
      z.string().regex(VARIABLE_NAME_PATTERN, 'not a variable name'),
      z.string().max(MAX_VARIABLE_VALUE_LENGTH),
    )
    .default({}),
  /** Replace the template's default options for this call. */
  overrides: templateOptionsSchema.optional(),
  idempotencyKey: idempotencyKeySchema.optional(),
})
export type TemplateUseInput = z.infer<typeof templateUseInput>
