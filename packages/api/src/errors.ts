/**
 * @module Typed domain errors and their one translation into tRPC errors (API.md "Errors").
 */
import type { Attempt, ErrorClass, ProviderName } from '@nbl/providers'
import { TRPCError } from '@trpc/server'

export const APP_CODES = [
  'VALIDATION',
  'CONTENT_BLOCKED',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'QUOTA_EXCEEDED',
  'COOLDOWN',
  'RATE_LIMITED',
  'NO_CAPABLE_PROVIDER',
  'PROVIDERS_FAILED',
  'IDEMPOTENCY_CONFLICT',
  'INTERNAL',
] as const
export type AppCode = (typeof APP_CODES)[number]

type TRPCCode = TRPCError['code']

const TRPC_CODE_BY_APP_CODE: Record<AppCode, TRPCCode> = {
  VALIDATION: 'BAD_REQUEST',
  CONTENT_BLOCKED: 'BAD_REQUEST',
  UNAUTHENTICATED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  QUOTA_EXCEEDED: 'TOO_MANY_REQUESTS',
  COOLDOWN: 'TOO_MANY_REQUESTS',
  RATE_LIMITED: 'TOO_MANY_REQUESTS',
  NO_CAPABLE_PROVIDER: 'PRECONDITION_FAILED',
  PROVIDERS_FAILED: 'BAD_GATEWAY',
  IDEMPOTENCY_CONFLICT: 'CONFLICT',
  INTERNAL: 'INTERNAL_SERVER_ERROR',
}

/** Extra machine-readable facts a client may act on; all optional, all safe to show. */
export interface AppErrorDetails {
  retryAfterMs?: number
  fieldErrors?: Record<string, string[]>
  attempts?: Attempt[]
  provider?: ProviderName
  errorClass?: ErrorClass
  reason?: string
}

/** An expected failure with an API.md code. Its message is shown to the client as is. */
export class AppError extends Error {
  override readonly name = 'AppError'
  readonly appCode: AppCode
  readonly details: AppErrorDetails

  constructor(
    appCode: AppCode,
    message: string,
    details: AppErrorDetails = {},
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.appCode = appCode
    this.details = details
  }

  get trpcCode(): TRPCCode {
    return TRPC_CODE_BY_APP_CODE[this.appCode]
  }
}

export const notFound = (what: string): AppError => new AppError('NOT_FOUND', `${what} not found`)

/** Wraps an AppError so tRPC carries it to the error formatter as the cause. */
export function toTRPCError(error: AppError): TRPCError {
  return new TRPCError({ code: error.trpcCode, message: error.message, cause: error })
}

/** Throws the AppError as a TRPCError; for use inside procedures. */
export function fail(appCode: AppCode, message: string, details?: AppErrorDetails): never {
  throw toTRPCError(new AppError(appCode, message, details))
}

const APP_CODE_BY_TRPC_CODE: Partial<Record<TRPCCode, AppCode>> = {
  BAD_REQUEST: 'VALIDATION',
  PARSE_ERROR: 'VALIDATION',
  PAYLOAD_TOO_LARGE: 'VALIDATION',
  UNSUPPORTED_MEDIA_TYPE: 'VALIDATION',
  METHOD_NOT_SUPPORTED: 'VALIDATION',
  UNAUTHORIZED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  TOO_MANY_REQUESTS: 'RATE_LIMITED',
  CONFLICT: 'IDEMPOTENCY_CONFLICT',
}

interface ValidationIssue {
  path: ReadonlyArray<PropertyKey | { key: PropertyKey }>
  message: string
}

function validationIssuesOf(cause: unknown): ValidationIssue[] | undefined {
  if (typeof cause !== 'object' || cause === null || !('issues' in cause)) return undefined
  const issues = (cause as { issues: unknown }).issues
  return Array.isArray(issues) ? (issues as ValidationIssue[]) : undefined
}

function issuePath(issue: ValidationIssue): string {
  const parts = issue.path.map((part) =>
    typeof part === 'object' && part !== null ? String(part.key) : String(part),
  )
  return parts.length > 0 ? parts.join('.') : '(input)'
}

/** The `data` every error response carries; never a stack trace or an internal message. */
export interface AppErrorData extends AppErrorDetails {
  code: TRPCCode
  httpStatus: number
  appCode: AppCode
  path?: string
  requestId?: string
}

/** Turns any error that reached tRPC into the client-facing message and data of API.md. */
export function describeError(error: TRPCError): {
  message: string
  appCode: AppCode
  details: AppErrorDetails
} {
  const cause = error.cause
  if (cause instanceof AppError)
    return { message: cause.message, appCode: cause.appCode, details: cause.details }
  const issues = validationIssuesOf(cause)
  if (issues && error.code === 'BAD_REQUEST') {
    const fieldErrors: Record<string, string[]> = {}
    for (const issue of issues) {
      const key = issuePath(issue)
      fieldErrors[key] = [...(fieldErrors[key] ?? []), issue.message]
    }
    const summary = Object.entries(fieldErrors)
      .map(([field, messages]) => `${field}: ${messages.join('; ')}`)
      .join(', ')
    return { message: `Invalid input: ${summary}`, appCode: 'VALIDATION', details: { fieldErrors } }
  }
  const appCode = APP_CODE_BY_TRPC_CODE[error.code] ?? 'INTERNAL'
  // tRPC's own errors (bad JSON, unknown procedure) have safe messages; an unexpected error's is hidden.
  return { message: appCode === 'INTERNAL' ? 'Internal server error' : error.message, appCode, details: {} }
}
