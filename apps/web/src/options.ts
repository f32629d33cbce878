/** @module The fixed option lists of API.md (shared shapes). */
export const RESOLUTIONS = ['1K', '2K', '4K'] as const
export const ASPECT_RATIOS = [
  '1:1',
  '16:9',
  '9:16',
  '4:3',
  '3:4',
  '3:2',
  '2:3',
  '4:5',
  '5:4',
  '21:9',
] as const
export const STRATEGIES = ['priority', 'cost', 'quality', 'speed', 'round_robin'] as const
export const PROVIDERS = [
  'google',
  'openai',
  'openrouter',
  'flux',
  'runway',
  'kling',
  'replicate',
  'local',
] as const

export type Resolution = (typeof RESOLUTIONS)[number]
export type AspectRatio = (typeof ASPECT_RATIOS)[number]
export type Strategy = (typeof STRATEGIES)[number]
export type Provider = (typeof PROVIDERS)[number]
