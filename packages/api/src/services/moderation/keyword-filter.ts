/**
 * @module The keyword filter: whole-word term and regular-expression rules over normalised text.
 * Each term compiles to a pattern that tolerates leetspeak (`p0rn`, `$ex`) and repeated letters
 * (`pooorn`) but never matches inside a longer word (`class` is not `ass`, Scunthorpe passes).
 */
import { normalizeText, textVariants } from './normalize.js'
import {
  BUILT_IN_ALLOWLIST,
  BUILT_IN_RULES,
  type ModerationCategory,
  type ModerationRule,
  type ModerationTier,
  type TermGroup,
} from './terms.js'

export interface KeywordFilterOptions {
  /**
   * Extra always-applied entries (MODERATION_BLOCKLIST / MODERATION_BLOCKLIST_FILE): a term in
   * the syntax of terms.ts, or `/regex/flags` over the normalised text. Category `blocklist`.
   */
  blocklist?: readonly string[]
  /** Terms or phrases never blocked (MODERATION_ALLOWLIST); they cannot open `sexual/minors`. */
  allowlist?: readonly string[]
  /** @default BUILT_IN_RULES */
  rules?: readonly ModerationRule[]
}

export interface KeywordMatch {
  category: ModerationCategory
  tier: ModerationTier
}

export interface KeywordFilter {
  /**
   * The first rule (most severe first) the text breaks, or undefined.
   * @param options.contextual also apply the `contextual` tier (no AI moderator judges the text)
   */
  check(text: string, options: { contextual: boolean }): KeywordMatch | undefined
}

/** A blocklist entry that is neither a usable term nor a valid regular expression. */
export class InvalidModerationEntryError extends Error {
  override readonly name = 'InvalidModerationEntryError'
  constructor(
    readonly entry: string,
    reason: string,
  ) {
    super(`invalid moderation entry ${JSON.stringify(entry)}: ${reason}`)
  }
}

/** Characters that stand for a letter in leetspeak (0→o 1→i 3→e 4→a 5→s 7→t @→a $→s, and 1/! for l/i). */
const LEET_CLASSES: Record<string, string> = {
  a: 'a4@',
  e: 'e3',
  i: 'i1!',
  l: 'l1',
  o: 'o0',
  s: 's5$',
  t: 't7',
}
const WORD_CHARACTER = '[\\p{L}\\p{N}]'

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')
}

/** `kill` → runs k×1 i×1 l×2: each letter may repeat, a doubled one must stay at least doubled. */
function wordSource(word: string): string {
  let source = ''
  for (let index = 0; index < word.length; ) {
    const letter = word[index] as string
    let count = 1
    while (word[index + count] === letter) count++
    index += count
    const leet = LEET_CLASSES[letter]
    const atom = leet ? `[${escapeRegex(leet)}]` : escapeRegex(letter)
    source += count === 1 ? `${atom}+` : `${atom}{${count},}`
  }
  return source
}

/** A term of terms.ts syntax as a regular-expression source, or undefined when it has no letters. */
function termSource(term: string): string | undefined {
  const normalized = normalizeText(term)
  const stem = normalized.endsWith('*')
  const words = normalized
    .replace(/\*+$/, '')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word.length > 0)
  if (words.length === 0) return undefined
  // Between the words of a phrase: any separators, or none ("child porn", "child-porn", "childporn").
  const body = words.map(wordSource).join('[^\\p{L}\\p{N}]*')
  return `${body}${stem ? '' : `(?!${WORD_CHARACTER})`}`
}

function compileTerms(terms: readonly string[], flags: string): RegExp | undefined {
  const sources = terms.map((term) => {
    const source = termSource(term)
    if (source === undefined) throw new InvalidModerationEntryError(term, 'it has no letters or digits')
    return source
  })
  // One shared word-start check; each alternative ends with its own word-end check (none for a stem).
  return sources.length > 0 ? new RegExp(`(?<!${WORD_CHARACTER})(?:${sources.join('|')})`, flags) : undefined
}

interface CompiledGroup {
  terms?: RegExp
  patterns: readonly RegExp[]
}

function compileGroup(group: TermGroup): CompiledGroup {
  const terms = compileTerms(group.terms, 'u')
  return { ...(terms ? { terms } : {}), patterns: group.patterns ?? [] }
}

function groupMatches(group: CompiledGroup, text: string): boolean {
  return (group.terms?.test(text) ?? false) || group.patterns.some((pattern) => pattern.test(text))
}

/**
 * Splits blocklist entries into terms and `/regex/flags` patterns (flags `g` and `y` dropped, so
 * `test` stays stateless). Throws InvalidModerationEntryError naming a bad entry.
 */
export function parseModerationEntries(entries: readonly string[]): TermGroup {
  const terms: string[] = []
  const patterns: RegExp[] = []
  for (const raw of entries) {
    const entry = raw.trim()
    if (entry.length === 0) continue
    const regex = /^\/(.+)\/([a-z]*)$/s.exec(entry)
    if (!regex) {
      if (termSource(entry) === undefined)
        throw new InvalidModerationEntryError(entry, 'it has no letters or digits')
      terms.push(entry)
      continue
    }
    try {
      patterns.push(new RegExp(regex[1] as string, (regex[2] as string).replace(/[gy]/g, '')))
    } catch (error) {
      throw new InvalidModerationEntryError(entry, (error as Error).message)
    }
  }
  return { terms, patterns }
}

/**
 * @example
 * const filter = createKeywordFilter({ blocklist: ['/secret\\s*project/'], allowlist: ['nude palette'] })
 * filter.check('n.u.d.e photo', { contextual: true }) // { category: 'sexual', tier: 'contextual' }
 */
export function createKeywordFilter(options: KeywordFilterOptions = {}): KeywordFilter {
  const extra = parseModerationEntries(options.blocklist ?? [])
  const rules: ModerationRule[] = [...(options.rules ?? BUILT_IN_RULES)]
  if (extra.terms.length > 0 || (extra.patterns?.length ?? 0) > 0) {
    rules.push({ category: 'blocklist', tier: 'strict', groups: [extra] })
  }
  const compiled = rules.map((rule) => ({ ...rule, groups: rule.groups.map(compileGroup) }))
  const allowed = compileTerms(
    [...BUILT_IN_ALLOWLIST, ...(options.allowlist ?? []).map((entry) => entry.trim()).filter(Boolean)],
    'gu',
  )

  return {
    check(text, { contextual }) {
      const variants = textVariants(text)
      const withoutAllowed = allowed ? variants.map((variant) => variant.replace(allowed, ' ')) : variants
      for (const rule of compiled) {
        if (rule.tier === 'contextual' && !contextual) continue
        const candidates = rule.category === 'sexual/minors' ? variants : withoutAllowed
        // Every group must occur, each in any form of the text.
        if (rule.groups.every((group) => candidates.some((variant) => groupMatches(group, variant)))) {
          return { category: rule.category, tier: rule.tier }
        }
      }
      return undefined
    },
  }
}
