/**
 * @module The built-in term list of the keyword filter: small, real and documented. It is a floor,
 * not a classifier: unambiguous terms in English, Spanish, French, German and Portuguese, plus a
 * few regular expressions for phrasings (self-harm instructions, calls to kill a group).
 *
 * Syntax of a term: words separated by spaces (any separators, or none, match between them);
 * a trailing `*` matches every word starting with the stem (`porn*`: porno, pornographic).
 * Terms are matched on whole words after normalisation (normalize.ts), tolerating leetspeak and
 * repeated letters, so `class` never matches `ass`. Regular expressions run on the normalised
 * text (lower case, no diacritics), with and without leetspeak mapped.
 *
 * Allow-listed phrases (BUILT_IN_ALLOWLIST, MODERATION_ALLOWLIST) are removed before matching,
 * except for `sexual/minors`, which no allow-list can open.
 *
 * Tiers: `strict` rules always apply. `contextual` rules hold words with innocent uses (`nude`
 * lipstick, Al `Gore`); they apply when no AI moderator judges the text (none configured, or it
 * is down and the fail mode is `keyword-only`).
 */

/** The reason a text is blocked; AI moderator categories (OpenAI's names) may add others. */
export type ModerationCategory =
  | 'sexual/minors'
  | 'sexual'
  | 'violence/graphic'
  | 'hate'
  | 'self-harm/instructions'
  | 'blocklist'

export type ModerationTier = 'strict' | 'contextual'

/** Terms and/or regular expressions; a group matches when any of them does. */
export interface TermGroup {
  terms: readonly string[]
  patterns?: readonly RegExp[]
}

export interface ModerationRule {
  category: ModerationCategory
  tier: ModerationTier
  /** Every group must match the same text (e.g. a minor AND a sexual term). */
  groups: readonly TermGroup[]
}

/** Words that name a minor. Alone they are harmless; with a sexual word they are always blocked. */
const MINOR_SUBJECTS: TermGroup = {
  terms: [
    // en
    'child',
    'children',
    'kid',
    'kids',
    'minors',
    'underage',
    'under age',
    'preteen*',
    'pre teen*',
    'toddler*',
    'infant',
    'infants',
    'infantil',
    'little girl*',
    'little boy*',
    'young girl*',
    'young boy*',
    'schoolgirl*',
    'schoolboy*',
    // es
    'nino',
    'ninos',
    'nina',
    'ninas',
    'menor de edad',
    'menores de edad',
    'colegiala*',
    // fr
    'enfant',
    'enfants',
    'fillette*',
    'gamin',
    'gamine*',
    'mineure*',
    'ecoliere*',
    // de
    'kinder',
    'kleines madchen',
    'kleiner junge',
    'minderjahrig*',
    'schulmadchen',
    // pt
    'crianca',
    'criancas',
    'menina',
    'meninas',
    'menino',
    'meninos',
    'menor de idade',
    'menores de idade',
  ],
  // "12 year old", "15yo", "14 años", "13 ans", "16 jahre", "10 anos": ages under 18.
  patterns: [
    /(?<![\p{N}])(?:[1-9]|1[0-7])[\s-]*(?:years?|yrs?|yo|y\/o|anos?|ans|jahre?n?)(?:[\s-]*old)?(?![\p{L}\p{N}])/u,
  ],
}

/** Words that make a text about a minor sexual. */
const SEXUAL_CONTEXT: TermGroup = {
  terms: [
    'nude*',
    'naked',
    'nudity',
    'topless',
    'undress*',
    'sexy',
    'sex',
    'sexual*',
    'seductive',
    'erotic*',
    'lingerie',
    'porn*',
    'desnud*',
    'sexo',
    'nue',
    'nues',
    'tout nu',
    'toute nue',
    'nackt*',
    'erotisch*',
    'nua',
    'nuas',
    'sem roupa',
  ],
}

export const BUILT_IN_RULES: readonly ModerationRule[] = [
  {
    category: 'sexual/minors',
    tier: 'strict',
    groups: [
      {
        terms: [
          'child porn*',
          'kiddie porn*',
          'kiddy porn*',
          'csam',
          'child sexual abuse',
          'underage sex',
          'lolicon',
          'loli',
          'shotacon',
          'jailbait',
          'pedophil*',
          'paedophil*',
          'pedofil*',
          'padophil*',
          'pedopornograph*',
          'kinderporn*',
          'porno infantil',
          'pornografia infantil',
          'pornographie infantile',
          'pornografia de menores',
        ],
      },
    ],
  },
  { category: 'sexual/minors', tier: 'strict', groups: [MINOR_SUBJECTS, SEXUAL_CONTEXT] },
  {
    category: 'sexual',
    tier: 'strict',
    groups: [
      {
        terms: [
          'porn*',
          'xxx',
          'hentai',
          'blowjob*',
          'handjob*',
          'cumshot*',
          'creampie*',
          'gangbang*',
          'bukkake',
          'deepthroat*',
          'masturbat*',
          'sex act*',
          'sexual intercourse',
          'having sex',
          'explicit sex',
          'rape',
          'raped',
          'rapes',
          'raping',
          'rapist*',
          // de, es/pt, pt
          'vergewaltig*',
          'gefickt',
          'ficken',
          'follar',
          'estupro',
          'foder',
          'transando',
        ],
      },
    ],
  },
  {
    category: 'sexual',
    tier: 'contextual',
    groups: [
      {
        terms: [
          'nude*',
          'naked',
          'nudity',
          'topless',
          'erotic*',
          'desnud*',
          'nue',
          'nues',
          'tout nu',
          'toute nue',
          'nackt*',
          'erotisch*',
          'nua',
          'nuas',
          'sem roupa',
        ],
      },
    ],
  },
  {
    category: 'violence/graphic',
    tier: 'strict',
    groups: [
      {
        terms: [
          'dismember*',
          'decapitat*',
          'behead*',
          'disembowel*',
          'eviscerat*',
          'mutilat*',
          'severed head*',
          'snuff film*',
          'snuff video*',
          // es/pt/fr/de
          'decapitad*',
          'desmembr*',
          'descuartiz*',
          'mutilad*',
          'esquartej*',
          'demembr*',
          'decapite*',
          'enthaupt*',
          'zerstuckel*',
          'verstummel*',
        ],
      },
    ],
  },
  {
    category: 'violence/graphic',
    tier: 'contextual',
    groups: [{ terms: ['gore', 'gory', 'bloody corpse*', 'mangled bod*', 'spilled guts', 'entrails'] }],
  },
  {
    category: 'hate',
    tier: 'strict',
    groups: [
      {
        terms: [
          'nigger*',
          'nigga',
          'niggas',
          'niggaz',
          'sandnigger*',
          'kike',
          'kikes',
          'spic',
          'spics',
          'wetback*',
          'faggot*',
          'raghead*',
          'towelhead*',
          'heil hitler',
          'sieg heil',
          'gas the jews',
          // es, fr, de, pt
          'sudaca*',
          'maricon*',
          'bougnoule*',
          'youpin*',
          'judensau',
          'kanake',
          'kanaken',
          'viado',
          'viados',
        ],
        patterns: [
          /(?<![\p{L}\p{N}])1488(?![\p{L}\p{N}])/u,
          /\b(?:kill|gas|exterminate|burn|lynch|hang)\s+(?:all\s+)?(?:the\s+)?(?:jews|muslims|blacks|gays|arabs|immigrants|mexicans|christians|asians|trans people)\b/u,
        ],
      },
    ],
  },
  {
    category: 'self-harm/instructions',
    tier: 'strict',
    groups: [
      {
        terms: [
          'suicide method*',
          'suicide instruction*',
          'suicide guide*',
          'pro ana',
          'thinspo',
          'thinspiration',
        ],
        patterns: [
          // en
          /\bhow\s+(?:to|do\s+i|can\s+i|should\s+i)\s+(?:kill|hang|cut|poison|starve|drown|hurt)\s+(?:my\s*self|your\s*self|one\s*self)\b/u,
          /\b(?:best|easiest|painless|quickest|fastest|surest)\s+(?:way|ways|method|methods)\s+(?:to|of|for)\s+(?:kill(?:ing)?\s+(?:my|your|one)\s*self|(?:commit(?:ting)?\s+)?suicide|end(?:ing)?\s+(?:my|your)\s+life)\b/u,
          // es, pt ("cómo"/"como" after normalisation)
          /\bcomo\s+(?:suicidarme|suicidarse|matarme|ahorcarme|cortarme|me\s+matar|me\s+suicidar|cometer\s+suicidio|se\s+matar)\b/u,
          /\bmetodos?\s+(?:de|para)\s+(?:suicidio|suicidarse|se\s+matar)\b/u,
          // fr
          /\bcomment\s+(?:me|se)\s+(?:suicider|tuer|pendre|mutiler)\b/u,
          // de ("töten" -> "toten")
          /\bwie\s+(?:bringe\s+ich\s+mich\s+um|kann\s+ich\s+mich\s+(?:umbringen|toten|ritzen|erhangen))\b/u,
          /\b(?:suizid|selbstmord)methode/u,
        ],
      },
    ],
  },
]

/**
 * Common innocent phrases that contain a listed term; removed from the text before every rule
 * but `sexual/minors` runs.
 */
export const BUILT_IN_ALLOWLIST: readonly string[] = [
  'naked eye',
  'naked truth',
  'naked flame',
  'nude color*',
  'nude colour*',
  'nude tone*',
  'nude lipstick*',
  'nude heel*',
  'nude shade*',
  'al gore',
  'gore tex',
  'spic and span',
]

/** What a category means, for the message shown to the user. */
export const CATEGORY_DESCRIPTIONS: Readonly<Record<string, string>> = {
  'sexual/minors': 'sexual content involving minors',
  sexual: 'sexual content',
  'violence/graphic': 'graphic violence',
  violence: 'violence',
  hate: 'hateful content',
  'hate/threatening': 'hateful threats',
  harassment: 'harassment',
  'harassment/threatening': 'threats',
  'self-harm': 'self-harm',
  'self-harm/intent': 'self-harm intent',
  'self-harm/instructions': 'self-harm instructions',
  illicit: 'illicit activity',
  'illicit/violent': 'violent illicit activity',
  blocklist: 'a term this service does not allow',
  flagged: 'content the moderator flagged',
}
