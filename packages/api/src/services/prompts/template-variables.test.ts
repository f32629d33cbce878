import { describe, expect, it } from 'vitest'
import { AppError } from '../../errors.js'
import { fillTemplate, placeholdersOf, templateVariableErrors } from './template-variables.js'

const v = (name: string, extra: { default?: string; required?: boolean } = {}) => ({
  name,
  required: extra.required ?? true,
  ...(extra.default !== undefined ? { default: extra.default } : {}),
})

function validationOf(run: () => unknown): Record<string, string[]> {
  try {
    run()
  } catch (error) {
    if (error instanceof AppError && error.appCode === 'VALIDATION') return error.details.fieldErrors ?? {}
    throw error
  }
  throw new Error('expected a validation error')
}

describe('template variables', () => {
  it('reads placeholders with or without inner spaces, once each', () => {
    expect(placeholdersOf('a {{subject}} in {{ style }} and {{subject}} again')).toEqual(['subject', 'style'])
  })

  it('accepts a prompt whose placeholders and declarations match', () => {
    expect(templateVariableErrors('a {{subject}} in {{style}}', [v('subject'), v('style')])).toBeUndefined()
  })

  it('names the prompt for an undeclared placeholder and the variable for an unused one', () => {
    expect(templateVariableErrors('a {{subject}}', [v('style')])).toEqual({
      prompt: ['{{subject}} is not declared in variables'],
      'variables.0.name': ['"style" does not appear in the prompt as {{style}}'],
    })
  })

  it('rejects invalid placeholder names and duplicate declarations', () => {
    const errors = templateVariableErrors('a {{9lives}} {{x}}', [v('x'), v('x')])
    expect(errors?.prompt).toEqual(['{{9lives}} is not a valid variable name'])
    expect(errors?.['variables.1.name']).toEqual(['"x" is declared twice'])
  })

  it('fills values, then defaults, and leaves optional gaps empty', () => {
    const filled = fillTemplate(
      'a {{ adjective }}{{subject}} in {{style}}',
      [v('subject'), v('style', { default: 'watercolor' }), v('adjective', { required: false })],
      { subject: 'fox' },
    )
    expect(filled).toBe('a fox in watercolor')
  })

  it('substitutes once and literally: a value with {{x}} or $& stays text', () => {
    const filled = fillTemplate('{{a}} / {{b}}', [v('a'), v('b')], { a: '{{b}} $& $1', b: 'B' })
    expect(filled).toBe('{{b}} $& $1 / B')
  })

  it('requires required variables without a default, blank counting as missing', () => {
    expect(validationOf(() => fillTemplate('{{subject}}', [v('subject')], { subject: '  ' }))).toEqual({
      'variables.subject': ['required'],
    })
  })

  it('rejects unknown variables by name', () => {
    expect(
      validationOf(() => fillTemplate('{{subject}}', [v('subject')], { subject: 'x', color: 'red' })),
    ).toEqual({ 'variables.color': ['unknown variable'] })
  })

  it('does not treat inherited object keys as values', () => {
    expect(validationOf(() => fillTemplate('{{constructor}}', [v('constructor')], {}))).toEqual({
      'variables.constructor': ['required'],
    })
  })
})
