/** @module One way to show a failed call: the API's message, and when to retry if it says. */
import { getAppError } from '@nbl/sdk'

export function describeError(error: unknown): string {
  const info = getAppError(error)
  if (!info) return error instanceof Error ? error.message : 'Something went wrong'
  if (info.appCode === 'QUOTA_EXCEEDED' && info.retryAfterMs !== undefined) {
    const resetsAt = new Date(Date.now() + info.retryAfterMs)
    return `${info.message} (resets at ${resetsAt.toLocaleTimeString()})`
  }
  if (info.retryAfterMs !== undefined) {
    return `${info.message} (try again in ${Math.ceil(info.retryAfterMs / 1000)} s)`
  }
  return info.message
}

export function ErrorMessage({ error, testId }: { error: unknown; testId?: string }) {
  if (!error) return null
  return (
    <p className="error" role="alert" data-testid={testId}>
      {describeError(error)}
    </p>
  )
}
