/**
 * @module The rule-based prompt improver: strips request filler ("please generate an image of"),
 * then adds the cues the prompt lacks (subject detail, style, lighting, composition, quality),
 * picked for what the prompt is about. Pure: the same input always gives the same suggestions.
 */
import {
  MAX_SUGGESTION_LENGTH,
  type PromptImprover,
  type PromptSuggestion,
  type PromptSuggestions,
} from './prompt-improver.js'

type Theme = 'portrait' | 'landscape' | 'product' | 'food' | 'architecture' | 'fantasy' | 'general'
type Axis = 'subject' | 'style' | 'lighting' | 'composition' | 'quality'

/** Five cues per axis, one per suggestion; `subject` has one per theme. */
interface ThemeCues {
  subject: string
  style: readonly string[]
  lighting: readonly string[]
  composition: readonly string[]
}

const THEMES: ReadonlyArray<{ theme: Theme; words: RegExp }> = [
  {
    theme: 'portrait',
    words:
      /\b(portrait|person|people|man|men|woman|women|girl|boy|child|kid|face|selfie|character|warrior|knight|queen|king|elder(ly)?|astronaut|dancer|musician)s?\b/,
  },
  {
    theme: 'food',
    words:
      /\b(food|dish|meal|cake|pizza|burger|coffee|tea|fruit|dessert|bread|sushi|salad|soup|breakfast|pasta|cocktail|chocolate|cookie|ramen|noodle|steak|curry|taco|sandwich|pancake|cheese|pie|donut|croissant)s?\b/,
  },
  {
    theme: 'product',
    words:
      /\b(product|bottle|perfume|watch|shoe|sneaker|phone|headphone|bag|handbag|cosmetic|packaging|mug|lamp|chair|jewel(le)?ry|ring|necklace)s?\b/,
  },
  {
    theme: 'architecture',
    words:
      /\b(building|house|architecture|city|skyline|street|tower|bridge|interior|room|cathedral|temple|skyscraper|village|town|kitchen|library)s?\b/,
  },
  {
    theme: 'fantasy',
    words:
      /\b(dragon|wizard|witch|elf|elves|unicorn|castle|magic|magical|spaceship|robot|alien|futuristic|cyborg|planet|galaxy|monster|creature|fairy)s?\b/,
  },
  {
    theme: 'landscape',
    words:
      /\b(landscape|mountain|forest|lake|river|ocean|sea|beach|valley|desert|field|meadow|sky|waterfall|island|canyon|countryside|nature|garden|sunset|sunrise)s?\b/,
  },
]

const CUES: Record<Theme, ThemeCues> = {
  portrait: {
    subject: 'expressive face and natural pose',
    style: [
      'professional portrait photograph',
      'cinematic film still',
      'oil painting portrait',
      'editorial fashion photograph',
      'digital illustration',
    ],
    lighting: [
      'soft diffused window light',
      'dramatic rim lighting',
      'warm golden hour light',
      'studio lighting with a softbox',
      'moody low-key lighting',
    ],
    composition: [
      'head-and-shoulders framing with shallow depth of field',
      'medium shot at eye level',
      'close-up with a blurred background',
      'three-quarter view, rule of thirds',
      'half-body shot against a simple backdrop',
    ],
  },
  landscape: {
    subject: 'with a clear focal point',
    style: [
      'landscape photograph',
      'cinematic wide shot',
      'watercolor painting',
      'matte painting',
      'fine-art photograph',
    ],
    lighting: [
      'golden hour light',
      'soft morning mist and diffused light',
      'dramatic storm light',
      'blue hour twilight',
      'crisp midday sun with long shadows',
    ],
    composition: [
      'wide-angle composition with a strong foreground',
      'panoramic view, rule of thirds',
      'aerial view',
      'leading lines toward the horizon',
      'low angle with a vast sky',
    ],
  },
  product: {
    subject: 'the product as the clear hero',
    style: [
      'commercial product photograph',
      'minimalist studio shot',
      '3D render',
      'lifestyle photograph',
      'catalog photograph',
    ],
    lighting: [
      'clean softbox studio lighting',
      'soft natural daylight',
      'high-contrast rim lighting',
      'gradient backlight',
      'even diffused light with subtle reflections',
    ],
    composition: [
      'centered on a seamless background',
      'three-quarter angle on a reflective surface',
      'top-down flat lay',
      'close-up macro detail',
      'eye-level hero shot with negative space',
    ],
  },
  food: {
    subject: 'the dish as the hero',
    style: [
      'food photograph',
      'editorial cookbook photograph',
      'rustic still life',
      'minimalist food styling',
      'watercolor food illustration',
    ],
    lighting: [
      'soft natural side light',
      'warm ambient restaurant light',
      'bright airy daylight',
      'moody dark-background lighting',
      'backlight with gentle steam highlights',
    ],
    composition: [
      'overhead flat lay',
      '45-degree angle with shallow depth of field',
      'close-up macro detail',
      'eye-level shot on a wooden table',
      'centered with props at the edges',
    ],
  },
  architecture: {
    subject: 'distinctive architectural details',
    style: [
      'architectural photograph',
      'cinematic cityscape',
      'isometric illustration',
      'pencil sketch',
      'photorealistic 3D render',
    ],
    lighting: [
      'soft overcast daylight',
      'golden hour light on the facade',
      'blue hour with warm window glow',
      'dramatic side light and deep shadows',
      'neon-lit night',
    ],
    composition: [
      'symmetrical front view',
      'wide-angle shot with straight verticals',
      'low angle looking up',
      'aerial view',
      'one-point perspective',
    ],
  },
  fantasy: {
    subject: 'a clearly defined main subject with distinctive details',
    style: [
      'epic fantasy concept art',
      'cinematic film still',
      'digital painting',
      'detailed illustration',
      'photorealistic 3D render',
    ],
    lighting: [
      'volumetric god rays',
      'glowing magical light',
      'dramatic backlight',
      'moonlight with cool tones',
      'neon glow',
    ],
    composition: [
      'wide establishing shot',
      'low angle, heroic framing',
      'dynamic diagonal composition',
      'centered with a sense of scale',
      'close-up with a detailed background',
    ],
  },
  general: {
    subject: 'a clearly defined main subject with distinctive details',
    style: [
      'high-quality photograph',
      'cinematic still',
      'digital illustration',
      'oil painting',
      '3D render',
    ],
    lighting: [
      'soft natural light',
      'dramatic lighting',
      'warm golden hour light',
      'studio lighting',
      'moody ambient light',
    ],
    composition: [
      'balanced composition with a clear focal point',
      'close-up with shallow depth of field',
      'wide shot',
      'rule of thirds',
      'centered, symmetrical framing',
    ],
  },
}

const QUALITY = [
  'highly detailed, sharp focus',
  'intricate detail, high resolution',
  'fine texture, crisp detail',
  'high resolution, polished finish',
  'rich detail, professional quality',
] as const

/** Words showing the prompt already covers an axis; it is then left as the user wrote it. */
const PRESENT: Record<Exclude<Axis, 'subject'>, RegExp> = {
  style:
    /\b(photo|photos|photograph\w*|photorealistic|realistic|illustrat\w*|painting|painted|watercolou?r|oil|acrylic|sketch\w*|drawing|pencil|charcoal|digital art|concept art|3d|render\w*|cgi|anime|manga|cartoon|comic|pixel art|vector|low poly|isometric|cinematic|film|analog|polaroid|minimalist|surreal\w*|impressionis\w*|art nouveau|art deco|baroque|cyberpunk|steampunk|vaporwave|style)\b/,
  lighting:
    /\b(light|lights|lighting|lit|sunlight|sunlit|sunset|sunrise|golden hour|blue hour|dusk|dawn|twilight|night|neon|glow\w*|shadows?|backlit|backlight|illuminat\w*|candlelight|moonlight|moonlit|overcast|chiaroscuro|volumetric)\b/,
  composition:
    /\b(close-?up|macro|wide[- ]?angle|wide shot|aerial|bird'?s[- ]eye|top[- ]down|overhead|low[- ]angle|high[- ]angle|eye[- ]level|full[- ]body|half[- ]body|headshot|centered|centred|symmetr\w*|rule of thirds|framing|framed|foreground|background|depth of field|bokeh|panoram\w*|composition|perspective|shot|view)\b/,
  quality:
    /\b(detailed|detail|intricate|sharp|crisp|high[- ]resolution|hi-?res|4k|8k|hd|uhd|masterpiece|best quality|high quality|professional|award[- ]winning)\b/,
}

/** Requests phrased to a person rather than a description: "please, can you generate an image of". */
const FILLER_PREFIX =
  /^(?:(?:please|kindly)[\s,]+)?(?:(?:can|could|would|will)\s+you\s+)?(?:please[\s,]+)?(?:(?:i\s+(?:want|need|would\s+like|'d\s+like)(?:\s+to\s+(?:see|have|get))?|make|create|generate|draw|render|paint|produce|design|give\s+me|show\s+me)\s+(?:me\s+)?)?(?:(?:an?|the|some)\s+(?:image|picture|pic|drawing|artwork|illustration)\s+(?:of|showing|with)\s+)?/i
const FILLER_WORDS =
  /\b(?:please|very|really|just|basically|literally|some kind of|kind of|sort of|thanks|thank you)\b/gi

/** Words that carry no subject detail. */
const STOP_WORDS = new Set([
  'a',
  'an',
  'the',
  'of',
  'in',
  'on',
  'at',
  'with',
  'and',
  'or',
  'to',
  'for',
  'by',
  'is',
  'are',
  'some',
  'my',
  'its',
  'it',
])

/** Removes request filler and tidies punctuation; returns the cleaned prompt and what was removed. */
export function removeFiller(prompt: string): { text: string; removed: string[] } {
  const removed: string[] = []
  let text = prompt.trim().replace(/\s+/g, ' ')
  const prefix = FILLER_PREFIX.exec(text)?.[0] ?? ''
  if (prefix.trim() !== '') {
    removed.push(prefix.trim().replace(/[\s,]+$/, ''))
    text = text.slice(prefix.length)
  }
  text = text.replace(FILLER_WORDS, (word) => {
    const lower = word.toLowerCase()
    if (!removed.includes(lower)) removed.push(lower)
    return ''
  })
  text = text
    .replace(/\s+/g, ' ')
    .replace(/\s+([,.;:!?])/g, '$1')
    .replace(/,(\s*,)+/g, ',')
    .replace(/^[\s,.;:]+|[\s,.;:!?]+$/g, '')
  // Filler alone ("please generate an image"): keep what the user wrote.
  if (text === '') return { text: prompt.trim().replace(/\s+/g, ' '), removed: [] }
  return { text, removed }
}

function themeOf(lower: string): Theme {
  return THEMES.find((entry) => entry.words.test(lower))?.theme ?? 'general'
}

function contentWordCount(lower: string): number {
  return lower.split(/[^a-z0-9'-]+/).filter((word) => word.length > 1 && !STOP_WORDS.has(word)).length
}

/** The axes a prompt lacks, in the order cues are appended. */
export function missingAxes(prompt: string): Axis[] {
  const lower = prompt.toLowerCase()
  const missing: Axis[] = []
  if (contentWordCount(lower) < 3) missing.push('subject')
  for (const axis of ['style', 'lighting', 'composition', 'quality'] as const) {
    if (!PRESENT[axis].test(lower)) missing.push(axis)
  }
  return missing
}

function suggestionFor(
  cleaned: string,
  removed: readonly string[],
  theme: Theme,
  missing: readonly Axis[],
  variant: number,
): PromptSuggestion {
  const cues = CUES[theme]
  const added: Array<{ axis: Axis; cue: string }> = missing.map((axis) => {
    if (axis === 'subject') return { axis, cue: cues.subject }
    if (axis === 'quality') return { axis, cue: QUALITY[variant % QUALITY.length]! }
    const options = cues[axis]
    return { axis, cue: options[variant % options.length]! }
  })
  // Drop cues from the end until the prompt fits what generate.image accepts.
  let prompt = [cleaned, ...added.map((entry) => entry.cue)].join(', ')
  while (prompt.length > MAX_SUGGESTION_LENGTH && added.length > 0) {
    added.pop()
    prompt = [cleaned, ...added.map((entry) => entry.cue)].join(', ')
  }
  const parts: string[] = []
  if (added.length > 0) {
    parts.push(`Added ${added.map((entry) => `${entry.axis} (${entry.cue})`).join(', ')}`)
  }
  if (removed.length > 0) parts.push(`removed filler (${removed.map((word) => `"${word}"`).join(', ')})`)
  const reason =
    parts.length > 0
      ? `${parts.join('; ')}; kept your subject${theme === 'general' ? '' : ` (read as ${theme})`}.`
      : 'Already specific: it names its subject, style, lighting, composition and quality.'
  return {
    prompt: prompt.slice(0, MAX_SUGGESTION_LENGTH),
    reason: reason.charAt(0).toUpperCase() + reason.slice(1),
  }
}

/**
 * Up to `count` distinct suggestions (fewer only when the prompt already covers every axis).
 * @example suggestWithRules('please make a picture of a cat', 1)
 * // [{ prompt: 'a cat, a clearly defined main subject…, high-quality photograph, soft natural light, …', reason: 'Added …' }]
 */
export function suggestWithRules(prompt: string, count: number): PromptSuggestion[] {
  const { text: cleaned, removed } = removeFiller(prompt)
  const theme = themeOf(cleaned.toLowerCase())
  const missing = missingAxes(cleaned)
  const suggestions: PromptSuggestion[] = []
  for (let variant = 0; variant < Math.max(1, Math.min(count, 5)); variant++) {
    const suggestion = suggestionFor(cleaned, removed, theme, missing, variant)
    if (!suggestions.some((earlier) => earlier.prompt === suggestion.prompt)) suggestions.push(suggestion)
  }
  return suggestions
}

/** The improver used when no text model is configured, and the fallback when one fails. */
export const rulesPromptImprover: PromptImprover = {
  async suggest(prompt: string, count: number): Promise<PromptSuggestions> {
    return { suggestions: suggestWithRules(prompt, count), source: 'rules' }
  },
}
