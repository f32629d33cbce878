/**
 * @module The few tRPC calls the benchmark makes outside the load (plain JSON, no transformer): service
 * accounts and their keys with the bootstrap admin key, and quota.status.
 */
interface TrpcSuccess<T> {
  result: { data: T }
}

export async function trpc<T>(
  baseUrl: string,
  path: string,
  key: string,
  input?: unknown,
  kind: 'query' | 'mutation' = 'mutation',
): Promise<T> {
  const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' }
  const response =
    kind === 'query'
      ? await fetch(
          `${baseUrl}/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
          { headers },
        )
      : await fetch(`${baseUrl}/trpc/${path}`, { method: 'POST', headers, body: JSON.stringify(input ?? {}) })
  const text = await response.text()
  if (!response.ok) throw new Error(`${path}: ${response.status} ${text}`)
  return (JSON.parse(text) as TrpcSuccess<T>).result.data
}

/** A `free` service account and one API key for it. */
export async function createServiceAccount(baseUrl: string, adminKey: string, name: string): Promise<string> {
  const user = await trpc<{ id: string }>(baseUrl, 'admin.users.create', adminKey, { name, tier: 'free' })
  const key = await trpc<{ secret: string }>(baseUrl, 'admin.users.issueApiKey', adminKey, {
    userId: user.id,
    name: `${name}-key`,
  })
  return key.secret
}

export interface QuotaStatus {
  used: number
  limit: number | null
  costs: { image: Record<string, number> }
}

export function quotaStatus(baseUrl: string, key: string): Promise<QuotaStatus> {
  return trpc<QuotaStatus>(baseUrl, 'quota.status', key, undefined, 'query')
}
