import { describe, expect, it } from 'vitest'
import { missingAxes, removeFiller, rulesPromptImprover, suggestWithRules } from './rules-improver.js'

describe('rule-based prompt improver', () => {
  it('gives the same suggestions for the same input', async () => {
    const first = await rulesPromptImprover.suggest('please generate an image of a cat on a sofa', 5)
    const second = await rulesPromptImprover.suggest('please generate an image of a cat on a sofa', 5)
    expect(second).toEqual(first)
    expect(first.source).toBe('rules')
    expect(first.suggestions).toHaveLength(5)
    expect(new Set(first.suggestions.map((suggestion) => suggestion.prompt)).size).toBe(5)
  })

  it('removes request filler but keeps the subject', () => {
    expect(removeFiller('Please, could you generate an image of a really tall lighthouse, thanks!')).toEqual({
      text: 'a tall lighthouse',
      removed: ['Please, could you generate an image of', 'really', 'thanks'],
    })
    expect(removeFiller('please').text).toBe('please')
  })

  it('adds only the cues the prompt lacks', () => {
    expect(missingAxes('a fox')).toEqual(['subject', 'style', 'lighting', 'composition', 'quality'])
    expect(missingAxes('watercolor painting of a red fox in a snowy forest at golden hour')).toEqual([
      'composition',
      'quality',
    ])
    const [suggestion] = suggestWithRules(
      'watercolor painting of a red fox in a snowy forest at golden hour',
      1,
    )
    expect(suggestion?.prompt).toBe(
      'watercolor painting of a red fox in a snowy forest at golden hour, wide-angle composition with a strong foreground, highly detailed, sharp focus',
    )
    expect(suggestion?.reason).toContain('composition (wide-angle composition with a strong foreground)')
    expect(suggestion?.reason).toContain('read as landscape')
  })

  it('picks cues for what the prompt is about', () => {
    const [portrait] = suggestWithRules('make me an elderly fisherman with a weathered face', 1)
    expect(portrait?.prompt).toMatch(
      /^an elderly fisherman with a weathered face, professional portrait photograph/,
    )
    const [food] = suggestWithRules('a bowl of ramen', 1)
    expect(food?.prompt).toContain('food photograph')
  })

  it('returns the prompt as is, once, when nothing is missing', () => {
    const complete =
      'cinematic photo of an old lighthouse on a cliff, golden hour light, wide-angle shot, highly detailed'
    expect(suggestWithRules(complete, 5)).toEqual([
      {
        prompt: complete,
        reason: 'Already specific: it names its subject, style, lighting, composition and quality.',
      },
    ])
  })

  it('keeps suggestions within 4000 characters', () => {
    const long = `a fox ${'and more words '.repeat(264)}`.trim()
    for (const suggestion of suggestWithRules(long, 3))
      expect(suggestion.prompt.length).toBeLessThanOrEqual(4000)
  })
})
