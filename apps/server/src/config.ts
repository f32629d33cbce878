/**
 * @module Configuration: one zod schema over the environment. A bad value stops start-up with a
 * message naming the variable.
 */
import {
  DEFAULT_TIERS,
  InvalidModerationEntryError,
  MODERATION_FAIL_MODES,
  type ModerationFailMode,
  parseModerationEntries,
  TIERS,
  type Tier,
  type TierTable,
} from '@nbl/api'
import {
  OPENAI_DEFAULT_BASE_URL,
  PROVIDER_NAMES,
  type ProviderName,
  RESOLUTIONS,
  STRATEGIES,
  type Strategy,
} from '@nbl/providers'
import { z } from 'zod'

const booleanString = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes')
const integerString = (min: number, max: number) => z.coerce.number().int().min(min).max(max)
const secret = (name: string) => z.string().min(32, `${name} must be at least 32 characters`)

/** A comma-separated list of http(s) origins, normalised (`https://app.example/` -> `https://app.example`). */
const originList = z
  .string()
  .transform((value) =>
    value
      .split(',')
      .map((origin) => origin.trim())
      .filter((origin) => origin.length > 0),
  )
  .pipe(z.array(z.url({ protocol: /^https?$/ }).transform((origin) => new URL(origin).origin)))

const baseSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: integerString(0, 65_535).default(3000),
  PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  DATA_DIR: z.string().min(1).optional(),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_POOL_MAX: integerString(1, 200).default(10),
  /** Name the hot statements (parsed once per connection); off behind a pooler that cannot follow them. */
  DATABASE_PREPARED_STATEMENTS: booleanString.default(true),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  REDIS_PREFIX: z.string().min(1).max(100).default('nbl:'),
  /** Whether an API process also runs job items (workers); `--worker` processes always do. */
  JOB_WORKERS: booleanString.default(true),
  JOB_CONCURRENCY: integerString(1, 64).default(4),
  /** How long a worker's claim on an item lasts unrenewed: a killed worker's items wait this long. */
  JOB_LEASE_MS: integerString(1000, 600_000).default(30_000),
  SECRET_KEY: secret('SECRET_KEY').optional(),
  // The authenticator refuses keys longer than 256 characters: such an admin could never sign in.
  BOOTSTRAP_ADMIN_KEY: secret('BOOTSTRAP_ADMIN_KEY')
    .max(256, 'BOOTSTRAP_ADMIN_KEY must be at most 256 characters')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Serve Prometheus metrics at GET /metrics. */
  METRICS_ENABLED: booleanString.default(true),
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  DEFAULT_STRATEGY: z.enum(STRATEGIES).optional(),
  DEFAULT_ROUTING_STRATEGY: z.enum(STRATEGIES).optional(),
  ENABLE_FALLBACK: booleanString.default(true),
  PROVIDER_CATALOG_FILE: z.string().min(1).optional(),
  /** The built web playground served at /app; default apps/web/dist when it exists, `off` for none. */
  WEB_DIR: z.string().min(1).optional(),
  SIGNED_URL_TTL_SECONDS: integerString(60, 7 * 86_400).default(3600),
  /** Per user and per client IP; 0 disables. */
  RATE_LIMIT_GENERATE_PER_MINUTE: integerString(0, 1_000_000).default(60),
  /** Auth endpoints, per client IP; 0 disables. */
  RATE_LIMIT_AUTH_PER_MINUTE: integerString(0, 1_000_000).default(20),
  /** Trust X-Forwarded-For (one reverse proxy in front); otherwise the socket's address counts. */
  TRUST_PROXY: booleanString.default(false),
  /** Comma-separated browser origins allowed cross-origin (with credentials); none by default. */
  CORS_ORIGINS: originList.default([]),
})

/** GitHub sign-in and where the browser may land after it. */
const authSchema = z.object({
  GITHUB_CLIENT_ID: z.string().min(1).optional(),
  GITHUB_CLIENT_SECRET: z.string().min(1).optional(),
  /** GitHub Enterprise Server: `https://github.example.com`. */
  GITHUB_OAUTH_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://github.com'),
  /** GitHub Enterprise Server: `https://github.example.com/api/v3`. */
  GITHUB_API_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://api.github.com'),
  /** Comma-separated origins the browser may be redirected to after login; default: the server's own. */
  AUTH_REDIRECT_ORIGINS: originList.default([]),
})

/** S3-compatible object storage (AWS S3, Cloudflare R2, MinIO); Cloudflare's names are accepted too. */
const storageSchema = z.object({
  S3_BUCKET: z.string().min(3).max(63).optional(),
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  S3_REGION: z.string().min(1).max(64).optional(),
  S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  S3_FORCE_PATH_STYLE: booleanString.optional(),
  /** A public base (CDN, R2 custom domain) serving the bucket: links are unsigned `S3_PUBLIC_URL/key`. */
  S3_PUBLIC_URL: z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  // SigV4 presigned URLs live at most 7 days.
  S3_PRESIGN_TTL_SECONDS: integerString(60, 604_800).optional(),
  R2_ACCOUNT_ID: z
    .string()
    .regex(/^[A-Za-z0-9]{1,64}$/, 'R2_ACCOUNT_ID must be the account id (letters and digits)')
    .optional(),
  R2_BUCKET: z.string().min(3).max(63).optional(),
  R2_ACCESS_KEY_ID: z.string().min(1).optional(),
  R2_SECRET_ACCESS_KEY: z.string().min(1).optional(),
})

/** `library.prompts.suggest` through an OpenAI-compatible chat-completions API; else rule-based. */
const promptSuggestSchema = z.object({
  /** The API root with its version (`https://api.openai.com/v1`, `http://localhost:11434/v1`). */
  PROMPT_SUGGEST_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  PROMPT_SUGGEST_API_KEY: z.string().min(1).optional(),
  PROMPT_SUGGEST_MODEL: z.string().min(1).max(200).optional(),
})

/** Content moderation: extra keyword lists and the optional AI moderator with its fail modes. */
const commaList = z.string().transform((value) =>
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0),
)
const moderationSchema = z.object({
  /** Comma-separated extra terms or `/regex/flags`, always blocked (category `blocklist`). */
  MODERATION_BLOCKLIST: commaList.default([]),
  /** A file with one term or `/regex/flags` per line (`#` comments). */
  MODERATION_BLOCKLIST_FILE: z.string().min(1).optional(),
  /** Comma-separated terms or phrases never blocked (except sexual content involving minors). */
  MODERATION_ALLOWLIST: commaList.default([]),
  MODERATION_AI: z.enum(['none', 'openai']).default('none'),
  MODERATION_API_KEY: z.string().min(1).optional(),
  MODERATION_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .transform((url) => url.replace(/\/+$/, ''))
    .optional(),
  MODERATION_MODEL: z.string().min(1).max(200).default('omni-moderation-latest'),
  MODERATION_TIMEOUT_MS: integerString(100, 60_000).default(3000),
  MODERATION_ON_ERROR_GENERATION: z.enum(MODERATION_FAIL_MODES).default('keyword-only'),
  MODERATION_ON_ERROR_PUBLIC: z.enum(MODERATION_FAIL_MODES).default('closed'),
})

const tierKeys = (tier: Tier) => {
  const prefix = `QUOTA_${tier.toUpperCase()}`
  return {
    [`${prefix}_DAILY_LIMIT`]: z.union([z.literal('none'), integerString(0, 10_000_000)]).optional(),
    [`${prefix}_COOLDOWN_SECONDS`]: integerString(0, 86_400).optional(),
    [`${prefix}_MAX_BATCH`]: integerString(1, 100).optional(),
    [`${prefix}_MAX_RESOLUTION`]: z.enum(RESOLUTIONS).optional(),
  }
}

const providerKeys = (name: ProviderName) => {
  const prefix = `PROVIDER_${name.toUpperCase()}`
  return {
    [`${prefix}_API_KEY`]: z.string().min(1).optional(),
    [`${prefix}_BASE_URL`]: z.url({ protocol: /^https?$/ }).optional(),
    [`${prefix}_ENABLED`]: booleanString.optional(),
    [`${prefix}_PRIORITY`]: integerString(0, 1000).optional(),
    [`${prefix}_MODEL`]: z.string().min(1).max(200).optional(),
    [`${prefix}_VIDEO_MODEL`]: z.string().min(1).max(200).optional(),
    [`${prefix}_TIMEOUT_MS`]: integerString(1000, 3_600_000).optional(),
  }
}

const envSchema = baseSchema
  .extend(authSchema.shape)
  .extend(storageSchema.shape)
  .extend(promptSuggestSchema.shape)
  .extend(moderationSchema.shape)
  .extend(Object.assign({}, ...TIERS.map(tierKeys)))
  .extend(Object.assign({}, ...PROVIDER_NAMES.map(providerKeys)))
  .extend({
    // The names operators already know.
    GOOGLE_API_KEY: z.string().min(1).optional(),
    PROVIDER_BFL_API_KEY: z.string().min(1).optional(),
    PROVIDER_BFL_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    PROVIDER_KLING_ACCESS_KEY: z.string().min(1).optional(),
    PROVIDER_KLING_SECRET_KEY: z.string().min(1).optional(),
  })

export interface ProviderSettings {
  apiKey?: string
  baseUrl?: string
  enabled?: boolean
  priority?: number
  model?: string
  videoModel?: string
  timeoutMs?: number
  /** Kling only. */
  accessKey?: string
  secretKey?: string
}

/** MODERATION_*: the keyword filter's extra lists, the AI moderator, and what to do when it is down. */
export interface ModerationSettings {
  blocklist: string[]
  blocklistFile?: string
  allowlist: string[]
  ai?: { provider: 'openai'; apiKey: string; baseUrl: string; model: string; timeoutMs: number }
  onError: { generation: ModerationFailMode; public: ModerationFailMode }
}

/** The text model behind `library.prompts.suggest` (an OpenAI-compatible chat-completions API). */
export interface PromptSuggestSettings {
  baseUrl: string
  apiKey?: string
  model: string
}

/** Where objects live when not in DATA_DIR/objects. */
export interface S3StorageSettings {
  bucket: string
  endpoint?: string
  region: string
  accessKeyId: string
  secretAccessKey: string
  forcePathStyle?: boolean
  publicUrl?: string
  presignTtlSeconds?: number
}

export interface ServerConfig {
  nodeEnv: 'development' | 'production' | 'test'
  host: string
  port: number
  publicUrl?: string
  dataDir: string
  databaseUrl?: string
  databasePoolMax: number
  databasePreparedStatements: boolean
  redisUrl?: string
  redisPrefix: string
  jobWorkers: boolean
  jobConcurrency: number
  jobLeaseMs: number
  secretKey?: string
  bootstrapAdminKey?: string
  logLevel: z.infer<typeof baseSchema>['LOG_LEVEL']
  metricsEnabled: boolean
  metricsToken?: string
  defaultStrategy: Strategy
  enableFallback: boolean
  /** JSON overrides of the provider catalog (capabilities, pricing, profile per provider). */
  providerCatalogFile?: string
  /** WEB_DIR: the web playground's build to serve at /app (`off`: none). */
  webDir?: string
  signedUrlTtlSeconds: number
  rateLimits: { generatePerMinute: number; authPerMinute: number }
  trustProxy: boolean
  corsOrigins: string[]
  tiers: TierTable
  providers: Record<ProviderName, ProviderSettings>
  /** Set when GITHUB_CLIENT_ID and GITHUB_CLIENT_SECRET are. */
  github?: { clientId: string; clientSecret: string; oauthBaseUrl: string; apiBaseUrl: string }
  /** Empty: only the server's own origin. */
  authRedirectOrigins: string[]
  /** Set when S3_BUCKET (or R2_BUCKET) is: objects go to that bucket instead of DATA_DIR/objects. */
  s3?: S3StorageSettings
  /** Set when PROMPT_SUGGEST_BASE_URL or PROVIDER_OPENAI_API_KEY is: suggestions come from a text model. */
  promptSuggest?: PromptSuggestSettings
  moderation: ModerationSettings
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`)
  }
}

type Env = Record<string, string | undefined>

/** Reads and validates the environment; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env, defaults: { dataDir: string }): ServerConfig {
  // Empty strings mean "unset", as in most deployment tools.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  )
  const parsed = envSchema.safeParse(cleaned)
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`))
  }
  const values = parsed.data as z.infer<typeof baseSchema> & Record<string, unknown>
  const auth = parsed.data as unknown as z.infer<typeof authSchema>
  if (Boolean(auth.GITHUB_CLIENT_ID) !== Boolean(auth.GITHUB_CLIENT_SECRET)) {
    throw new ConfigError(['GITHUB_CLIENT_ID, GITHUB_CLIENT_SECRET: set both or neither'])
  }
  const s3 = s3Settings(parsed.data as unknown as z.infer<typeof storageSchema>)
  if (values.NODE_ENV === 'production' && !values.SECRET_KEY) {
    throw new ConfigError(['SECRET_KEY: required in production (at least 32 characters)'])
  }

  const tiers = Object.fromEntries(
    TIERS.map((tier) => {
      const prefix = `QUOTA_${tier.toUpperCase()}`
      const base = DEFAULT_TIERS[tier]
      const limit = values[`${prefix}_DAILY_LIMIT`] as number | 'none' | undefined
      return [
        tier,
        {
          dailyLimit: limit === undefined ? base.dailyLimit : limit === 'none' ? null : limit,
          cooldownSeconds:
            (values[`${prefix}_COOLDOWN_SECONDS`] as number | undefined) ?? base.cooldownSeconds,
          maxBatch: (values[`${prefix}_MAX_BATCH`] as number | undefined) ?? base.maxBatch,
          maxResolution:
            (values[`${prefix}_MAX_RESOLUTION`] as TierTable[Tier]['maxResolution'] | undefined) ??
            base.maxResolution,
        },
      ]
    }),
  ) as TierTable

  const providers = Object.fromEntries(
    PROVIDER_NAMES.map((name) => {
      const prefix = `PROVIDER_${name.toUpperCase()}`
      const settings: ProviderSettings = {}
      const apiKey =
        values[`${prefix}_API_KEY`] ??
        (name === 'google' ? values.GOOGLE_API_KEY : undefined) ??
        (name === 'flux' ? values.PROVIDER_BFL_API_KEY : undefined)
      const baseUrl =
        values[`${prefix}_BASE_URL`] ?? (name === 'flux' ? values.PROVIDER_BFL_BASE_URL : undefined)
      if (typeof apiKey === 'string') settings.apiKey = apiKey
      if (typeof baseUrl === 'string') settings.baseUrl = baseUrl
      if (typeof values[`${prefix}_ENABLED`] === 'boolean')
        settings.enabled = values[`${prefix}_ENABLED`] as boolean
      if (typeof values[`${prefix}_PRIORITY`] === 'number')
        settings.priority = values[`${prefix}_PRIORITY`] as number
      return [name, settings]
    }),
  ) as Record<ProviderName, ProviderSettings>

  return {
    nodeEnv: values.NODE_ENV,
    host: values.HOST,
    port: values.PORT,
    dataDir: values.DATA_DIR ?? defaults.dataDir,
    databasePoolMax: values.DATABASE_POOL_MAX,
    databasePreparedStatements: values.DATABASE_PREPARED_STATEMENTS,
    logLevel: values.LOG_LEVEL,
    metricsEnabled: values.METRICS_ENABLED,
    ...(values.METRICS_TOKEN ? { metricsToken: values.METRICS_TOKEN } : {}),
    defaultStrategy: values.DEFAULT_ROUTING_STRATEGY ?? values.DEFAULT_STRATEGY ?? 'priority',
    enableFallback: values.ENABLE_FALLBACK,
    redisPrefix: values.REDIS_PREFIX,
    jobWorkers: values.JOB_WORKERS,
    jobConcurrency: values.JOB_CONCURRENCY,
    jobLeaseMs: values.JOB_LEASE_MS,
    ...(values.PROVIDER_CATALOG_FILE ? { providerCatalogFile: values.PROVIDER_CATALOG_FILE } : {}),
    ...(values.WEB_DIR ? { webDir: values.WEB_DIR } : {}),
    signedUrlTtlSeconds: values.SIGNED_URL_TTL_SECONDS,
    rateLimits: {
      generatePerMinute: values.RATE_LIMIT_GENERATE_PER_MINUTE,
      authPerMinute: values.RATE_LIMIT_AUTH_PER_MINUTE,
    },
    trustProxy: values.TRUST_PROXY,
    corsOrigins: values.CORS_ORIGINS,
    tiers,
    providers,
    authRedirectOrigins: auth.AUTH_REDIRECT_ORIGINS,
    ...(auth.GITHUB_CLIENT_ID && auth.GITHUB_CLIENT_SECRET
      ? {
          github: {
            clientId: auth.GITHUB_CLIENT_ID,
            clientSecret: auth.GITHUB_CLIENT_SECRET,
            oauthBaseUrl: auth.GITHUB_OAUTH_BASE_URL.replace(/\/+$/, ''),
            apiBaseUrl: auth.GITHUB_API_BASE_URL.replace(/\/+$/, ''),
          },
        }
      : {}),
    ...(values.PUBLIC_URL ? { publicUrl: values.PUBLIC_URL } : {}),
    ...(values.DATABASE_URL ? { databaseUrl: values.DATABASE_URL } : {}),
    ...(values.REDIS_URL ? { redisUrl: values.REDIS_URL } : {}),
    ...(values.SECRET_KEY ? { secretKey: values.SECRET_KEY } : {}),
    ...(values.BOOTSTRAP_ADMIN_KEY ? { bootstrapAdminKey: values.BOOTSTRAP_ADMIN_KEY } : {}),
    ...(s3 ? { s3 } : {}),
    ...promptSuggestFrom(parsed.data as unknown as z.infer<typeof promptSuggestSchema>, providers.openai),
    moderation: moderationFrom(parsed.data as unknown as z.infer<typeof moderationSchema>, providers.openai),
  }
}

/**
 * The OpenAI provider's key stands in for MODERATION_API_KEY, but only towards its own base URL;
 * MODERATION_AI=openai without any key is a configuration error.
 */
function moderationFrom(
  values: z.infer<typeof moderationSchema>,
  openai: ProviderSettings,
): ModerationSettings {
  for (const [name, entries] of [
    ['MODERATION_BLOCKLIST', values.MODERATION_BLOCKLIST],
    ['MODERATION_ALLOWLIST', values.MODERATION_ALLOWLIST],
  ] as const) {
    try {
      parseModerationEntries(entries)
    } catch (error) {
      if (error instanceof InvalidModerationEntryError) throw new ConfigError([`${name}: ${error.message}`])
      throw error
    }
  }
  const settings: ModerationSettings = {
    blocklist: values.MODERATION_BLOCKLIST,
    allowlist: values.MODERATION_ALLOWLIST,
    onError: { generation: values.MODERATION_ON_ERROR_GENERATION, public: values.MODERATION_ON_ERROR_PUBLIC },
    ...(values.MODERATION_BLOCKLIST_FILE ? { blocklistFile: values.MODERATION_BLOCKLIST_FILE } : {}),
  }
  if (values.MODERATION_AI === 'none') return settings
  const openaiBaseUrl = (openai.baseUrl ?? OPENAI_DEFAULT_BASE_URL).replace(/\/+$/, '')
  const baseUrl = values.MODERATION_BASE_URL ?? openaiBaseUrl
  const apiKey = values.MODERATION_API_KEY ?? (baseUrl === openaiBaseUrl ? openai.apiKey : undefined)
  if (!apiKey) {
    throw new ConfigError([
      'MODERATION_API_KEY: required for MODERATION_AI=openai (or PROVIDER_OPENAI_API_KEY, when MODERATION_BASE_URL is unset)',
    ])
  }
  return {
    ...settings,
    ai: {
      provider: 'openai',
      apiKey,
      baseUrl,
      model: values.MODERATION_MODEL,
      timeoutMs: values.MODERATION_TIMEOUT_MS,
    },
  }
}

const OPENAI_BASE_URL = 'https://api.openai.com/v1'
/** A small, cheap chat model; PROMPT_SUGGEST_MODEL picks another. */
const DEFAULT_PROMPT_SUGGEST_MODEL = 'gpt-4o-mini'

/**
 * The OpenAI provider's key and base URL stand in for unset PROMPT_SUGGEST_* values, but its key is
 * only ever sent to the OpenAI provider's own base URL, never to another PROMPT_SUGGEST_BASE_URL.
 */
function promptSuggestFrom(
  values: z.infer<typeof promptSuggestSchema>,
  openai: ProviderSettings,
): { promptSuggest?: PromptSuggestSettings } {
  const openaiBaseUrl = (openai.baseUrl ?? OPENAI_BASE_URL).replace(/\/+$/, '')
  // An operator who switched the OpenAI provider off did not mean to use it for suggestions either.
  const openaiUsable = Boolean(openai.apiKey) && openai.enabled !== false
  const baseUrl = values.PROMPT_SUGGEST_BASE_URL ?? (openaiUsable ? openaiBaseUrl : undefined)
  if (!baseUrl) return {}
  const apiKey =
    values.PROMPT_SUGGEST_API_KEY ?? (openaiUsable && baseUrl === openaiBaseUrl ? openai.apiKey : undefined)
  return {
    promptSuggest: {
      baseUrl,
      model: values.PROMPT_SUGGEST_MODEL ?? DEFAULT_PROMPT_SUGGEST_MODEL,
      ...(apiKey ? { apiKey } : {}),
    },
  }
}

/** The S3 names win over Cloudflare's; R2_ACCOUNT_ID stands for the account's R2 endpoint. */
function s3Settings(values: z.infer<typeof storageSchema>): S3StorageSettings | undefined {
  const bucket = values.S3_BUCKET ?? values.R2_BUCKET
  const endpoint =
    values.S3_ENDPOINT ??
    (values.R2_ACCOUNT_ID ? `https://${values.R2_ACCOUNT_ID}.r2.cloudflarestorage.com` : undefined)
  const accessKeyId = values.S3_ACCESS_KEY_ID ?? values.R2_ACCESS_KEY_ID
  const secretAccessKey = values.S3_SECRET_ACCESS_KEY ?? values.R2_SECRET_ACCESS_KEY
  if (!bucket) {
    if (endpoint || accessKeyId || secretAccessKey) {
      throw new ConfigError(['S3_BUCKET: required when S3_ENDPOINT, R2_ACCOUNT_ID or storage keys are set'])
    }
    return undefined
  }
  if (!accessKeyId || !secretAccessKey) {
    throw new ConfigError(['S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: required with S3_BUCKET'])
  }
  const r2 = endpoint !== undefined && new URL(endpoint).hostname.endsWith('.r2.cloudflarestorage.com')
  return {
    bucket,
    region: values.S3_REGION ?? (r2 ? 'auto' : 'us-east-1'),
    accessKeyId,
    secretAccessKey,
    ...(endpoint ? { endpoint: new URL(endpoint).origin } : {}),
    ...(values.S3_FORCE_PATH_STYLE !== undefined ? { forcePathStyle: values.S3_FORCE_PATH_STYLE } : {}),
    ...(values.S3_PUBLIC_URL ? { publicUrl: values.S3_PUBLIC_URL } : {}),
    ...(values.S3_PRESIGN_TTL_SECONDS ? { presignTtlSeconds: values.S3_PRESIGN_TTL_SECONDS } : {}),
  }
}
