/**
 * @module The root router: the contract of API.md. `AppRouter` is the SDK's only import from here.
 */
import { createCallerFactory, router } from '../trpc.js'
import { accountRouter } from './account.js'
import { adminRouter } from './admin/index.js'
import { analyticsRouter } from './analytics.js'
import { authRouter } from './auth.js'
import { chatRouter } from './chat.js'
import { generateRouter } from './generate.js'
import { healthRouter } from './health.js'
import { libraryRouter } from './library/index.js'
import { notificationsRouter } from './notifications.js'
import { quotaRouter } from './quota.js'

export const appRouter = router({
  generate: generateRouter,
  quota: quotaRouter,
  library: libraryRouter,
  notifications: notificationsRouter,
  health: healthRouter,
  admin: adminRouter,
  auth: authRouter,
  account: accountRouter,
  chat: chatRouter,
  analytics: analyticsRouter,
})

export type AppRouter = typeof appRouter

export const createCaller = createCallerFactory(appRouter)
