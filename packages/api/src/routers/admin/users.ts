/**
 * @module `admin.users`: service accounts and their API keys (admin role only).
 */
import {
  addQuotaAdjustment,
  createId,
  findUserById,
  InvalidCursorError,
  insertUser,
  listUsers,
  type UserRow,
  updateUserTier,
} from '@nbl/db'
import { z } from 'zod'
import { AppError, notFound } from '../../errors.js'
import { idSchema, listInput } from '../../schemas.js'
import { accountChanged } from '../../services/account/account-cache.js'
import { issueApiKey } from '../../services/auth/api-keys.js'
import { recordAudit } from '../../services/auth/audit.js'
import { TIERS, utcDay } from '../../services/quota/policy.js'
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

  list: adminProcedure.input(listInput).query(async ({ input, ctx }) => {
    try {
      const page = await listUsers(ctx.deps.db, { limit: input.limit, cursor: input.cursor })
      return { items: page.items.map(userRowToAdminUser), nextCursor: page.nextCursor }
    } catch (error) {
      if (error instanceof InvalidCursorError) {
        throw new AppError('VALIDATION', 'cursor: invalid cursor', {
          fieldErrors: { cursor: ['invalid cursor'] },
        })
      }
      throw error
    }
  }),

  /** The user and today's quota state (adjustment included). */
  get: adminProcedure.input(z.strictObject({ userId: idSchema })).query(async ({ input, ctx }) => {
    const row = await findUserById(ctx.deps.db, input.userId)
    if (!row) throw notFound('user')
    return { ...userRowToAdminUser(row), quota: await ctx.deps.quota.state({ id: row.id, tier: row.tier }) }
  }),

  setTier: adminProcedure
    .input(z.strictObject({ userId: idSchema, tier: z.enum(TIERS) }))
    .mutation(async ({ input, ctx }) => {
      const before = await findUserById(ctx.deps.db, input.userId)
      if (!before) throw notFound('user')
      const row = await updateUserTier(ctx.deps.db, input.userId, input.tier)
      if (!row) throw notFound('user')
      // Cached identities carry the tier: every instance forgets them.
      await accountChanged(ctx.deps, row.id)
      await recordAudit(ctx.deps.db, {
        actorId: ctx.user.id,
        action: 'admin.users.setTier',
        targetType: 'user',
        targetId: row.id,
        ip: clientIpOf(ctx) ?? null,
        details: { from: before.tier, to: row.tier },
      })
      return userRowToAdminUser(row)
    }),

  /** Adds (or, negative, takes) units to the user's limit for today (UTC) only. */
  adjustQuota: adminProcedure
    .input(z.strictObject({ userId: idSchema, units: z.number().int().min(-100_000).max(100_000) }))
    .mutation(async ({ input, ctx }) => {
      const row = await findUserById(ctx.deps.db, input.userId)
      if (!row) throw notFound('user')
      const day = utcDay(Date.now())
      const total = await addQuotaAdjustment(ctx.deps.db, row.id, day, input.units)
      await accountChanged(ctx.deps, row.id)
      await recordAudit(ctx.deps.db, {
        actorId: ctx.user.id,
        action: 'admin.users.adjustQuota',
        targetType: 'user',
        targetId: row.id,
        ip: clientIpOf(ctx) ?? null,
        details: { day, units: input.units, total },
      })
      return {
        userId: row.id,
        day,
        adjustment: total,
        quota: await ctx.deps.quota.state({ id: row.id, tier: row.tier }),
      }
    }),
})
