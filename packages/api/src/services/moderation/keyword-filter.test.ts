import { describe, expect, it } from 'vitest'
import { createKeywordFilter, InvalidModerationEntryError, parseModerationEntries } from './keyword-filter.js'
import { normalizeText, textVariants } from './normalize.js'

const filter = createKeywordFilter()
const strict = (text: string) => filter.check(text, { contextual: false })?.category
const full = (text: string) => filter.check(text, { contextual: true })?.category

describe('normalisation', () => {
  it('folds full-width forms, look-alike letters, diacritics and invisible characters', () => {
    expect(normalizeText('ＰＯＲＮ')).toBe('porn')
    expect(normalizeText('p\u200Bo\u200Dr\u00ADn\uFEFF')).toBe('porn')
    expect(normalizeText('pörñ')).toBe('porn')
    expect(normalizeText('рorn')).toBe('porn') // Cyrillic р
    expect(normalizeText('Straße  Œuvre')).toBe('strasse oeuvre')
  })

  it('joins letters split by spaces or punctuation and maps leetspeak in extra variants', () => {
    expect(textVariants('a n u d e photo')).toContain('anude photo')
    expect(textVariants('n.u.d.e')).toContain('nude')
    expect(textVariants('p-o-r-n')).toContain('porn')
    expect(textVariants('s3x')).toContain('sex')
  })
})

describe('keyword filter', () => {
  it.each([
    ['porn', 'sexual'],
    ['P0RN', 'sexual'],
    ['p0rn', 'sexual'],
    ['p.o.r.n', 'sexual'],
    ['p o r n', 'sexual'],
    ['p_o_r_n', 'sexual'],
    ['pooorrrnnn', 'sexual'],
    ['pörn', 'sexual'],
    ['ｐｏｒｎ', 'sexual'],
    ['p\u200Born', 'sexual'],
    ['p0rn0graphy', 'sexual'],
    ['$ex tape p0rn', 'sexual'],
    ['hardcore pornography', 'sexual'],
    ['a masturbating man', 'sexual'],
    ['x x x video', 'sexual'],
    ['$3x', undefined], // "sex" alone is not blocked (sex education, the sex of a bird)
  ])('blocks evasions of strict terms: %s', (text, category) => {
    expect(strict(text)).toBe(category)
  })

  it('blocks sexual content involving minors, always, in every language', () => {
    for (const text of [
      'naked child on a bed',
      'n a k e d k1d',
      'sexy 12 year old',
      'a 15yo in lingerie',
      'niña desnuda',
      'enfant toute nue',
      '$3xy k1ds',
      'nacktes Kinder Foto',
      'criança nua',
      'lolicon art',
      'child-porn',
      'childporn',
      'pédophile',
      'Kinderpornografie',
    ]) {
      expect(strict(text), text).toBe('sexual/minors')
    }
  })

  it('keeps innocent words that contain blocked words', () => {
    for (const text of [
      'a class on classical assembly',
      'Scunthorpe United',
      'analysis of a canal',
      'a cucumber document',
      'grape therapist drapes',
      'spicy food, Sussex and Essex',
      'a sextant and a pedometer',
      'a kind woman in a sexy dress playing in A minor',
      'Nazareth',
      'infantry in the snow',
      'a kidney bean salad',
      'Al Gore giving a speech',
      'a Gore-Tex jacket',
      'viewed with the naked eye',
      'the naked truth',
      'Kinder spielen im Park',
      'niños jugando en la playa',
      'Nina Simone at the piano',
      'a bloody mary cocktail',
      'nude lipstick on a marble table',
      'Spic and Span',
    ]) {
      expect(full(text), text).toBeUndefined()
    }
  })

  it('applies contextual words only when asked (no AI moderator judges the text)', () => {
    expect(strict('a nude figure study')).toBeUndefined()
    expect(full('a nude figure study')).toBe('sexual')
    expect(full('n-u-d-e')).toBe('sexual')
    expect(strict('a gory battlefield')).toBeUndefined()
    expect(full('a gory battlefield')).toBe('violence/graphic')
  })

  it('covers graphic violence, hate and self-harm instructions in several languages', () => {
    expect(strict('a decapitated soldier')).toBe('violence/graphic')
    expect(strict('cuerpo descuartizado')).toBe('violence/graphic')
    expect(strict('un corps démembré')).toBe('violence/graphic')
    expect(strict('enthauptet')).toBe('violence/graphic')
    expect(strict('corpo esquartejado')).toBe('violence/graphic')
    expect(strict('sieg heil banner')).toBe('hate')
    expect(strict('Heil Hitler')).toBe('hate')
    expect(strict('kill all the jews')).toBe('hate')
    expect(strict('1488 tattoo')).toBe('hate')
    expect(strict('how to kill myself')).toBe('self-harm/instructions')
    expect(strict('h0w t0 k1ll mys3lf')).toBe('self-harm/instructions')
    expect(strict('painless way to commit suicide')).toBe('self-harm/instructions')
    expect(strict('cómo suicidarme')).toBe('self-harm/instructions')
    expect(strict('comment me suicider')).toBe('self-harm/instructions')
    expect(strict('wie bringe ich mich um')).toBe('self-harm/instructions')
    expect(strict('como me matar')).toBe('self-harm/instructions')
    expect(strict('a poster about suicide prevention')).toBeUndefined()
  })

  it('adds operator terms and /regexes/, and allow-lists phrases (but never minors)', () => {
    const custom = createKeywordFilter({
      blocklist: ['ass', 'cunt', 'acme corp', '/secret\\s*project\\s*\\d+/i'],
      allowlist: ['nude palette', 'Moby Dick', 'porn star martini'],
    })
    const check = (text: string) => custom.check(text, { contextual: true })?.category
    expect(check('an ass')).toBe('blocklist')
    expect(check('@$$')).toBe('blocklist')
    expect(check('a class in Scunthorpe')).toBeUndefined()
    expect(check('the ACME-corp logo')).toBe('blocklist')
    expect(check('Secret Project 42')).toBe('blocklist')
    expect(check('a nude palette')).toBeUndefined()
    expect(check('a porn star martini')).toBeUndefined()
    expect(check('porn')).toBe('sexual')
    expect(
      createKeywordFilter({ allowlist: ['naked child'] }).check('naked child', { contextual: true }),
    ).toEqual({
      category: 'sexual/minors',
      tier: 'strict',
    })
  })

  it('refuses entries it cannot use', () => {
    expect(() => parseModerationEntries(['/unclosed(/'])).toThrow(InvalidModerationEntryError)
    expect(() => parseModerationEntries(['***'])).toThrow(InvalidModerationEntryError)
    expect(parseModerationEntries([' word ', '', '/a+b/gi'])).toEqual({ terms: ['word'], patterns: [/a+b/i] })
  })
})
