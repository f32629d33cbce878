/**
 * @module The official `openai` SDK, loaded by the first call that needs it (edits, OpenRouter): it
 * holds about 2 MiB of heap, and text-to-image calls to OpenAI go without it (`openai-images-http.ts`).
 */
import { lazyModule } from '../../lazy-module.js'

export const openAISdk = lazyModule(() => import('openai'))
