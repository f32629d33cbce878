/** @module The `library` router tree. */
import { router } from '../../trpc.js'
import { historyRouter } from './history.js'
import { promptsRouter } from './prompts.js'
import { searchRouter } from './search.js'
import { templatesRouter } from './templates.js'

export const libraryRouter = router({
  history: historyRouter,
  templates: templatesRouter,
  prompts: promptsRouter,
  search: searchRouter,
})
