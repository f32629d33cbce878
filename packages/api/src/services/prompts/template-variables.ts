/**
 * @module Template `{{variables}}`: the declared list must match the placeholders of the prompt,
 * and filling substitutes each placeholder once, literally (a value holding `{{x}}` stays text).
 */
import type { TemplateVariable } from '@nbl/db'
import { z } from 'zod'
import { AppError } from '../../errors.js'

export const VARIABLE_NAME_PATTERN = /^[a-zA-Z_][a-zA-Z0-9_]{0,39}$/
export const MAX_TEMPLATE_VARIABLES = 20
/** Longest value (and default) one variable may take. */
export const MAX_VARIABLE_VALUE_LENGTH = 1000

export const templateVariableSchema = z.strictObject({
  name: z.string().regex(VARIABLE_NAME_PATTERN, 'expected a name like [a-zA-Z_][a-zA-Z0-9_]{0,39}'),
  description: z.string().trim().max(500).optional(),
  default: z.string().max(MAX_VARIABLE_VALUE_LENGTH).optional(),
  /** Without a default, a required variable must be given on `use`. */
  required: z.boolean().default(true),
})

/** `{{ name }}`, spaces allowed inside the braces; the name itself is checked separately. */
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g

/** The placeholder names of `prompt`, in order of first appearance, valid or not. */
export function placeholdersOf(prompt: string): string[] {
  const names = new Set<string>()
  for (const match of prompt.matchAll(PLACEHOLDER)) names.add(match[1] ?? '')
  return [...names]
}

/**
 * Field errors when the placeholders of `prompt` and the declared `variables` differ (each must
 * have the other), a placeholder is not a valid name, or a name is declared twice.
 */
export function templateVariableErrors(
  prompt: string,
  variables: readonly TemplateVariable[],
): Record<string, string[]> | undefined {
  const errors: Record<string, string[]> = {}
  const add = (field: string, message: string) => {
    errors[field] = [...(errors[field] ?? []), message]
  }
  const used = placeholdersOf(prompt)
  const declared = new Set<string>()
  variables.forEach((variable, index) => {
    if (declared.has(variable.name)) add(`variables.${index}.name`, `"${variable.name}" is declared twice`)
    declared.add(variable.name)
    if (!used.includes(variable.name))
      add(
        `variables.${index}.name`,
        `"${variable.name}" does not appear in the prompt as {{${variable.name}}}`,
      )
  })
  for (const name of used) {
    if (!VARIABLE_NAME_PATTERN.test(name)) add('prompt', `{{${name}}} is not a valid variable name`)
    else if (!declared.has(name)) add('prompt', `{{${name}}} is not declared in variables`)
  }
  return Object.keys(errors).length > 0 ? errors : undefined
}

/** Throws AppError('VALIDATION') naming the fields when `templateVariableErrors` finds any. */
export function assertTemplateVariables(prompt: string, variables: readonly TemplateVariable[]): void {
  const fieldErrors = templateVariableErrors(prompt, variables)
  if (!fieldErrors) return
  const summary = Object.entries(fieldErrors)
    .map(([field, messages]) => `${field}: ${messages.join('; ')}`)
    .join(', ')
  throw new AppError('VALIDATION', `Invalid template: ${summary}`, { fieldErrors })
}

/**
 * Fills every placeholder with its value, else its default (blank values count as missing); an
 * optional variable without either becomes empty. Each placeholder is replaced once: values are
 * never scanned for placeholders again.
 * @throws {AppError} VALIDATION with `variables.<name>` for an unknown or a missing required variable.
 */
export function fillTemplate(
  prompt: string,
  variables: readonly TemplateVariable[],
  values: Readonly<Record<string, string>>,
): string {
  const fieldErrors: Record<string, string[]> = {}
  const declared = new Map(variables.map((variable) => [variable.name, variable]))
  for (const name of Object.keys(values)) {
    if (!declared.has(name)) fieldErrors[`variables.${name}`] = ['unknown variable']
  }
  const filled = new Map<string, string>()
  for (const variable of variables) {
    const given = Object.hasOwn(values, variable.name) ? values[variable.name] : undefined
    const value = given !== undefined && given.trim() !== '' ? given : variable.default
    if (value === undefined || value.trim() === '') {
      if (variable.required) fieldErrors[`variables.${variable.name}`] = ['required']
      filled.set(variable.name, '')
    } else {
      filled.set(variable.name, value)
    }
  }
  if (Object.keys(fieldErrors).length > 0) {
    throw new AppError(
      'VALIDATION',
      `Invalid variables: ${Object.entries(fieldErrors)
        .map(([field, messages]) => `${field}: ${messages.join('; ')}`)
        .join(', ')}`,
      { fieldErrors },
    )
  }
  // A function replacer: `$&` and friends in a value stay literal too.
  return prompt.replace(PLACEHOLDER, (match, name: string) => filled.get(name) ?? match)
}
