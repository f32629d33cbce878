/** @module Today's quota (quota.status); generations invalidate it so it refreshes after each one. */
import { useQuery } from '@tanstack/react-query'
import { useClient } from '../client-context'
import { ErrorMessage } from '../errors'

export const QUOTA_KEY = ['quota'] as const

export function QuotaMeter() {
  const client = useClient()
  const quota = useQuery({ queryKey: QUOTA_KEY, queryFn: () => client.quota.status.query() })
  if (quota.error) return <ErrorMessage error={quota.error} />
  if (!quota.data) return null
  const { used, limit, tier, resetsAt } = quota.data
  const resets = new Date(resetsAt).toLocaleString()
  return (
    <section className="quota" aria-label="Quota" data-testid="quota-meter">
      {limit === null ? (
        <span>{`${used} units used today (${tier}, no daily cap)`}</span>
      ) : (
        <>
          <label htmlFor="quota-meter">{`${used} of ${limit} units used today (${tier})`}</label>
          <meter id="quota-meter" min={0} max={limit} value={used} low={limit * 0.8} high={limit * 0.95} />
        </>
      )}
      <span className="muted" data-testid="quota-used" data-used={used}>
        resets {resets}
      </span>
    </section>
  )
}
