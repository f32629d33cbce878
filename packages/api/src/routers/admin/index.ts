/** @module The `admin` router tree (every procedure is an adminProcedure). */
import { router } from '../../trpc.js'
import { adminAnnouncementsRouter } from './announcements.js'
import { adminProvidersRouter } from './providers.js'
import { adminQuotaRouter } from './quota.js'
import { adminSystemRouter } from './system.js'
import { adminUsersRouter } from './users.js'

export const adminRouter = router({
  users: adminUsersRouter,
  quota: adminQuotaRouter,
  providers: adminProvidersRouter,
  system: adminSystemRouter,
  announcements: adminAnnouncementsRouter,
})
