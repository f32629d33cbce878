/**
 * @module Text normalisation for the keyword filter: one canonical form, so spacing, punctuation,
 * full-width forms, look-alike letters, diacritics and invisible characters do not hide a term.
 * Leetspeak and letter repetition are handled by the compiled patterns (see keyword-filter.ts).
 */

/** Cyrillic and Greek letters that look like Latin ones, and Latin letters NFD does not decompose. */
const LOOKALIKES: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ѕ: 's',
  α: 'a',
  β: 'b',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
}
const LOOKALIKE_PATTERN = new RegExp(`[${Object.keys(LOOKALIKES).join('')}]`, 'gu')

/** Characters that may sit between the letters of one word to break it up (`n.u.d.e`, `p-o-r-n`). */
const IN_WORD_SEPARATOR = /(?<=[\p{L}\p{N}@$])[.\-_*'’`~^:;|/\\·•]+(?=[\p{L}\p{N}@$])/gu

/**
 * Three or more single characters separated by spaces or punctuation (`n u d e`, `s . e . x`):
 * the separators are dropped. Ordinary prose rarely has such runs.
 */
const SPACED_LETTERS =
  /(?<![\p{L}\p{N}@$])(?:[\p{L}\p{N}@$][^\p{L}\p{N}@$]{1,3}){2,}[\p{L}\p{N}@$](?![\p{L}\p{N}@$])/gu

/** The leet substitutions applied for regular-expression rules (term patterns match them directly). */
const LEET: Record<string, string> = {
  '0': 'o',
  '1': 'i',
  '3': 'e',
  '4': 'a',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
}

/**
 * Lower case, NFKC (full-width and compatibility forms), no format characters (zero-width
 * spaces, joiners, soft hyphens, bidi marks), look-alike letters mapped, diacritics removed,
 * whitespace collapsed.
 * @example normalizeText('ｐ\u200Bö́rn') === 'porn'
 */
export function normalizeText(text: string): string {
  return text
    .normalize('NFKC')
    .replace(/\p{Cf}/gu, '')
    .toLowerCase()
    .replace(LOOKALIKE_PATTERN, (letter) => LOOKALIKES[letter] ?? letter)
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/\s+/gu, ' ')
    .trim()
}

function joinSeparatedLetters(text: string): string {
  return text
    .replace(IN_WORD_SEPARATOR, '')
    .replace(SPACED_LETTERS, (run) => run.replace(/[^\p{L}\p{N}@$]/gu, ''))
}

function mapLeet(text: string): string {
  return text.replace(/[013457@$]/g, (character) => LEET[character] ?? character)
}

/**
 * The forms a text is checked in: normalised; with separated letters joined; and both with
 * leetspeak mapped to letters. Duplicates are dropped.
 */
export function textVariants(text: string): string[] {
  const normalized = normalizeText(text)
  const joined = joinSeparatedLetters(normalized)
  return [...new Set([normalized, joined, mapLeet(normalized), mapLeet(joined)])]
}
