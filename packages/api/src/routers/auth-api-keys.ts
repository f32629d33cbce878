/**
 * @module `auth.apiKeys`: the caller's own API keys. The secret is shown once, at create.
 */
import { type ApiKeyRow, listApiKeysForOwner, revokeApiKeyForOwner } from '@nbl/db'
import { z } from 'zod'
import { fail, notFound } from '../errors.js'
import { idSchema } from '../schemas.js'
import { accountChanged } from '../services/account/account-cache.js'
import { issueApiKey } from '../services/auth/api-keys.js'
import { recordAudit } from '../services/auth/audit.js'
import { clientIpOf } from '../services/rate-limit/enforce.js'
import { authedProcedure, router } from '../trpc.js'

export interface ApiKeySummary {
  id: string
  name: string
  prefix: string
  createdAt: string
  lastUsedAt: string | null
  expiresAt: string | null
  revokedAt: string | null
}

/** The columns a list may show: never the hash. */
export function apiKeyRowToSummary(row: ApiKeyRow): ApiKeySummary {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  }
}

export const authApiKeysRouter = router({
  list: authedProcedure.query(async ({ ctx }) => {
    const rows = await listApiKeysForOwner(ctx.deps.db, ctx.user.id)
    return { items: rows.map(apiKeyRowToSummary) }
  }),

  create: authedProcedure
    .input(
      z.strictObject({
        name: z.string().trim().min(1).max(100),
        expiresAt: z.iso.datetime({ offset: true }).optional(),
      }),
    )
    .mutation(async ({ input, ctx }) => {
      const expiresAt = input.expiresAt === undefined ? null : new Date(input.expiresAt)
      if (expiresAt && expiresAt.getTime() <= Date.now()) {
        fail('VALIDATION', 'expiresAt must be in the future', {
          fieldErrors: { expiresAt: ['must be in the future'] },
        })
      }
      return ctx.deps.db.transaction().execute(async (trx) => {
        const key = await issueApiKey(trx, { userId: ctx.user.id, name: input.name, expiresAt })
        await recordAudit(trx, {
          actorId: ctx.user.id,
          action: 'auth.apiKeys.create',
          targetType: 'api_key',
          targetId: key.id,
          ip: clientIpOf(ctx) ?? null,
          details: { name: key.name, prefix: key.prefix, expiresAt: key.expiresAt },
        })
        return key
      })
    }),

  /** Owner-filtered: another user's key id is NOT_FOUND, and nothing changes. Effective at once. */
  revoke: authedProcedure.input(z.strictObject({ keyId: idSchema })).mutation(async ({ input, ctx }) => {
    const revoked = await ctx.deps.db.transaction().execute(async (trx) => {
      if (!(await revokeApiKeyForOwner(trx, ctx.user.id, input.keyId))) return false
      await recordAudit(trx, {
        actorId: ctx.user.id,
        action: 'auth.apiKeys.revoke',
        targetType: 'api_key',
        targetId: input.keyId,
        ip: clientIpOf(ctx) ?? null,
      })
      return true
    })
    if (!revoked) throw notFound('API key')
    // Effective at once on every instance: each forgets this user's cached keys.
    await accountChanged(ctx.deps, ctx.user.id)
    return { ok: true as const }
  }),
})
