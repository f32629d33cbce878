/**
 * @module `admin.users`: service accounts and their API keys (admin role only).
 */
import { createId, findUserById, insertUser, type UserRow } from '@nbl/db'
import { z } from 'zod'
import { notFound } from '../../errors.js'
import { idSchema } from '../../schemas.js'
import { issueApiKey } from '../../services/auth/api-keys.js'
import { recordAudit } from '../../services/auth/audit.js'
import { TIERS } from '../../services/quota/policy.js'
import { clientIpOf } from '../../services/rate-limit/enforce.js'
import { adminProcedure, router } from '../../trpc.js'

export interface AdminUser {
  id: string
  name: string
  email: string | null
  role: 'user' | 'admin'
  tier: (typeof TIERS)[number]
  isServiceAccount: boolean
  createdAt: string
}

export function userRowToAdminUser(row: UserRow): AdminUser {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    role: row.role,
    tier: row.tier,
    isServiceAccount: row.is_service_account,
    createdAt: row.created_at.toISOString(),
  }
}

const keyName = z.string().trim().min(1).max(100)

export const adminUsersRouter = router({
  create: adminProcedure
    .input(
      z.strictObject({
        name: z.string().trim().min(1).max(100),
        role: z.enum(['user', 'admin']).default('user'),
        tier: z.enum(TIERS).optional(),
      }),
    )
    .mutation(async ({ input, ctx }) => {
      const row = await insertUser(ctx.deps.db, {
        id: createId('usr'),
        name: input.name,
        email: null,
        role: input.role,
        // Admins are unlimited by default (API.md "Quota").
        tier: input.tier ?? (input.role === 'admin' ? 'unlimited' : 'free'),
        is_service_account: true,
      })
      await recordAudit(ctx.deps.db, {
        actorId: ctx.user.id,
        action: 'admin.users.create',
        targetType: 'user',
        targetId: row.id,
        ip: clientIpOf(ctx) ?? null,
        details: { name: row.name, role: row.role, tier: row.tier },
      })
      return userRowToAdminUser(row)
    }),

  issueApiKey: adminProcedure
    .input(z.strictObject({ userId: idSchema, name: keyName }))
    .mutation(async ({ input, ctx }) => {
      const user = await findUserById(ctx.deps.db, input.userId)
      if (!user) throw notFound('user')
      const key = await issueApiKey(ctx.deps.db, { userId: user.id, name: input.name })
      await recordAudit(ctx.deps.db, {
        actorId: ctx.user.id,
        action: 'admin.users.issueApiKey',
        targetType: 'api_key',
        targetId: key.id,
        ip: clientIpOf(ctx) ?? null,
        details: { userId: user.id, name: key.name, prefix: key.prefix },
      })
      return { id: key.id, name: key.name, prefix: key.prefix, secret: key.secret, createdAt: key.createdAt }
    }),
})
