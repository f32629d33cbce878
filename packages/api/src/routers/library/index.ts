/** @module The `library` router tree. */
import { router } from '../../trpc.js'
import { favoritesRouter } from './favorites.js'
import { historyRouter } from './history.js'
import { projectsRouter } from './projects.js'
import { promptsRouter } from './prompts.js'
import { searchRouter } from './search.js'
import { templatesRouter } from './templates.js'

export const libraryRouter = router({
  history: historyRouter,
  favorites: favoritesRouter,
  projects: projectsRouter,
  templates: templatesRouter,
  prompts: promptsRouter,
  search: searchRouter,
})
