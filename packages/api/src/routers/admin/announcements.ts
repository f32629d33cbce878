/**
 * @module `admin.announcements`: a message that becomes a notification for every user.
 */
import { z } from 'zod'
import { createAnnouncement } from '../../services/notifications/announcements.js'
import { clientIpOf } from '../../services/rate-limit/enforce.js'
import { adminProcedure, router } from '../../trpc.js'

const createInput = z.strictObject({
  title: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(4000),
  level: z.enum(['info', 'warning']).default('info'),
})

export const adminAnnouncementsRouter = router({
  /** One notification per existing user, live on every open stream; audited. */
  create: adminProcedure
    .input(createInput)
    .mutation(({ input, ctx }) =>
      createAnnouncement(ctx.deps, input, { id: ctx.user.id, ip: clientIpOf(ctx) ?? null }),
    ),
})
