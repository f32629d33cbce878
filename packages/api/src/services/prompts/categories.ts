/**
 * @module The fixed categories of the prompt library (and of templates): the one list every
 * schema, filter and count reads.
 */
import { z } from 'zod'

export const PROMPT_CATEGORIES = [
  'general',
  'portrait',
  'landscape',
  'product',
  'architecture',
  'illustration',
  'photography',
  'abstract',
  'fantasy',
  'sci-fi',
  'food',
  'fashion',
] as const
export type PromptCategory = (typeof PROMPT_CATEGORIES)[number]

export const promptCategorySchema = z.enum(PROMPT_CATEGORIES)
