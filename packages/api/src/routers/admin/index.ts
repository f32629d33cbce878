/** @module The `admin` router tree (every procedure is an adminProcedure). */
import { router } from '../../trpc.js'
import { adminUsersRouter } from './users.js'

export const adminRouter = router({
  users: adminUsersRouter,
})
