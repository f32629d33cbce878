/** @module The `library` router tree. */
import { router } from '../../trpc.js'
import { historyRouter } from './history.js'

export const libraryRouter = router({
  history: historyRouter,
})
