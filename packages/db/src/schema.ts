/**
 * @module The Database interface: one table type per table, with row aliases.
 * Columns filled by the database are `Generated<>`; nullable columns are `T | null`, never optional.
 */
import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely'

/**
 * Kysely's `Generated<T>`, but it also accepts a `ColumnType` (Kysely's own would nest it, so that
 * `Generated<Timestamp>` selected as a `ColumnType` object instead of a `Date`): optional on insert.
 */
export type Generated<T> =
  T extends ColumnType<infer S, infer I, infer U>
    ? ColumnType<S, I | undefined, U>
    : ColumnType<T, T | undefined, T>

/** timestamptz: read as Date, written as Date or ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>
/** jsonb: read and written as a JSON value (serialised by the repository on write). */
export type Json<T> = ColumnType<T, string, string>

export type UserRole = 'user' | 'admin'
export type UserTier = 'free' | 'pro' | 'unlimited'

export interface UsersTable {
  id: string
  name: string
  email: string | null
  role: UserRole
  tier: UserTier
  /** Service accounts are created by admins for machine clients. */
  is_service_account: Generated<boolean>
  /** GitHub's numeric user id (as text) for users who signed in with GitHub. */
  github_id: string | null
  /** The GitHub login, refreshed on every sign-in. */
  login: string | null
  avatar_url: string | null
  created_at: Generated<Timestamp>
  updated_at: Generated<Timestamp>
}

export interface ApiKeysTable {
  id: string
  user_id: string
  name: string
  /** The first characters of the secret, shown in lists so a user can tell keys apart. */
  prefix: string
  /** sha256 (hex) of the whole secret; the secret itself is never stored. */
  secret_hash: string
  created_at: Generated<Timestamp>
  last_used_at: Timestamp | null
  expires_at: Timestamp | null
  revoked_at: Timestamp | null
}

export type GenerationKind = 'image' | 'search' | 'video' | 'chat'
export type GenerationStatus = 'running' | 'succeeded' | 'failed'

export interface StoredAttempt {
  provider: string
  model: string
  outcome: 'succeeded' | 'failed' | 'skipped'
  errorClass?: string
  message?: string
  latencyMs: number
}

/** One row per generation request, with its attempts, cost and latency. */
export interface GenerationsTable {
  id: string
  user_id: string
  kind: GenerationKind
  status: GenerationStatus
  prompt: string
  /** The validated request as the API received it. */
  request: Json<Record<string, unknown>>
  provider: string | null
  model: string | null
  attempts: Generated<Json<StoredAttempt[]>>
  /** Quota units reserved for this request and units finally charged. */
  units_reserved: number
  units_charged: Generated<number>
  cost_usd: Generated<number>
  latency_ms: number | null
  error_code: string | null
  error_message: string | null
  created_at: Generated<Timestamp>
  finished_at: Timestamp | null
  /** The caller's idempotency key: unique per user; a retry replays this row's outcome. */
  idempotency_key: Generated<string | null>
  /** sha256 of the request, so a key reused with a different input is a conflict. */
  request_hash: Generated<string | null>
  /** What to replay on success (image ids, text, warnings). */
  response: ColumnType<GenerationResponse | null, string | null | undefined, string | null>
}

export interface GenerationResponse {
  imageIds: string[]
  text?: string
  warnings?: unknown[]
  /** Search-grounded generations: what was looked up. */
  grounding?: { queries: string[]; sources: { title: string; url: string }[] }
}

export interface ImagesTable {
  id: string
  user_id: string
  generation_id: string | null
  /** Key in the object store. */
  storage_key: string
  mime_type: string
  width: number
  height: number
  bytes: number
  prompt: string
  provider: string
  model: string
  /** The chat session that made it, if any. */
  chat_session_id: string | null
  /** Lineage: the image this one refines (the last image of the previous chat turn). */
  parent_image_id: string | null
  created_at: Generated<Timestamp>
}

export type JobKind = 'batch' | 'video'
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'partial' | 'failed' | 'canceled'
export type JobItemStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled'

export interface JobsTable {
  id: string
  user_id: string
  kind: JobKind
  status: JobStatus
  total: number
  done: Generated<number>
  failed: Generated<number>
  /** The validated request (shared options; items hold their own input). */
  request: Json<Record<string, unknown>>
  idempotency_key: string | null
  request_hash: string | null
  created_at: Generated<Timestamp>
  updated_at: Generated<Timestamp>
  finished_at: Timestamp | null
}

/** One unit of work of a job: an image request of a batch, or the one video of a video job. */
export interface JobItemsTable {
  job_id: string
  index: number
  status: JobItemStatus
  input: Json<Record<string, unknown>>
  /** Quota units this item costs; reserved at submit, charged on success only. */
  units: number
  generation_id: string | null
  provider: string | null
  model: string | null
  /** The provider's task id, so polling resumes after a restart instead of starting over. */
  provider_task_id: string | null
  image_ids: Generated<Json<string[]>>
  video_key: string | null
  error_code: string | null
  error_message: string | null
  /** Which worker holds the item, until when: an expired lease means the worker died. */
  lease_owner: string | null
  lease_expires_at: Timestamp | null
  started_at: Timestamp | null
  finished_at: Timestamp | null
}

export type JobEventType = 'item' | 'progress' | 'done'

/** One entry of a job's event log; `seq` counts 1, 2, 3, … per job and is the resumable event id. */
export interface JobEventsTable {
  job_id: string
  seq: number
  type: JobEventType
  payload: Json<Record<string, unknown>>
  created_at: Generated<Timestamp>
}

export interface NotificationsTable {
  id: string
  user_id: string
  /** e.g. `job.finished`, `announcement`. */
  type: string
  title: string
  body: string
  data: Generated<Json<Record<string, unknown>>>
  read_at: Timestamp | null
  created_at: Generated<Timestamp>
}

export interface RefreshTokensTable {
  id: string
  user_id: string
  family_id: string
  /** sha256 (hex) of the opaque token; the token itself is never stored. */
  token_hash: string
  created_at: Generated<Timestamp>
  expires_at: Timestamp
  /** Set when the token was rotated; presenting it again is reuse. */
  used_at: Timestamp | null
  revoked_at: Timestamp | null
}

export interface OAuthStatesTable {
  /** sha256 (hex) of the `state` parameter. */
  state_hash: string
  provider: string
  code_verifier: string
  /** Where the browser goes after login; validated against the allowed origins when stored. */
  redirect_to: string | null
  created_at: Generated<Timestamp>
  expires_at: Timestamp
}

export interface AuditLogTable {
  id: string
  actor_id: string | null
  /** e.g. `auth.login`, `auth.apiKeys.create`, `admin.users.create`. */
  action: string
  target_type: string | null
  target_id: string | null
  ip: string | null
  /** Never secrets: names, prefixes, providers. */
  details: Generated<Json<Record<string, unknown>>>
  created_at: Generated<Timestamp>
}

export interface UserSettingsTable {
  user_id: string
  resolution: string | null
  aspect_ratio: string | null
  strategy: string | null
  output_format: string | null
  provider_order: ColumnType<string[], string | undefined, string>
  provider_exclude: ColumnType<string[], string | undefined, string>
  updated_at: Generated<Timestamp>
}

export interface QuotaAdjustmentsTable {
  user_id: string
  /** UTC day, YYYY-MM-DD. */
  day: string
  units: number
  updated_at: Generated<Timestamp>
}

export interface Database {
  users: UsersTable
  api_keys: ApiKeysTable
  generations: GenerationsTable
  images: ImagesTable
  jobs: JobsTable
  job_items: JobItemsTable
  job_events: JobEventsTable
  notifications: NotificationsTable
  refresh_tokens: RefreshTokensTable
  oauth_states: OAuthStatesTable
  audit_log: AuditLogTable
  user_settings: UserSettingsTable
  quota_adjustments: QuotaAdjustmentsTable
  chat_sessions: ChatSessionsTable
  chat_messages: ChatMessagesTable
  favorite_folders: FavoriteFoldersTable
  favorites: FavoritesTable
  projects: ProjectsTable
  project_images: ProjectImagesTable
  templates: TemplatesTable
  prompts: PromptsTable
  quota_warnings: QuotaWarningsTable
}

export type UserRow = Selectable<UsersTable>
export type NewUserRow = Insertable<UsersTable>
export type UserUpdate = Updateable<UsersTable>
export type ApiKeyRow = Selectable<ApiKeysTable>
export type NewApiKeyRow = Insertable<ApiKeysTable>
export type GenerationRow = Selectable<GenerationsTable>
export type NewGenerationRow = Insertable<GenerationsTable>
export type GenerationUpdate = Updateable<GenerationsTable>
export type ImageRow = Selectable<ImagesTable>
export type NewImageRow = Insertable<ImagesTable>
export type JobRow = Selectable<JobsTable>
export type NewJobRow = Insertable<JobsTable>
export type JobItemRow = Selectable<JobItemsTable>
export type NewJobItemRow = Insertable<JobItemsTable>
export type JobEventRow = Selectable<JobEventsTable>
export type NotificationRow = Selectable<NotificationsTable>
export type NewNotificationRow = Insertable<NotificationsTable>
export type RefreshTokenRow = Selectable<RefreshTokensTable>
export type NewRefreshTokenRow = Insertable<RefreshTokensTable>
export type OAuthStateRow = Selectable<OAuthStatesTable>
export type NewOAuthStateRow = Insertable<OAuthStatesTable>
export type AuditLogRow = Selectable<AuditLogTable>
export type NewAuditLogRow = Insertable<AuditLogTable>
export type UserSettingsRow = Selectable<UserSettingsTable>

export interface ChatSessionsTable {
  id: string
  user_id: string
  title: string
  /** A pinned provider, or null to let the router choose among multi-turn providers. */
  provider: string | null
  resolution: string
  aspect_ratio: string
  created_at: Generated<Timestamp>
  updated_at: Generated<Timestamp>
}

export type ChatRole = 'user' | 'assistant'

export interface ChatMessagesTable {
  id: string
  session_id: string
  user_id: string
  role: ChatRole
  text: string | null
  /** The message's images (user: references, assistant: generated), in order. */
  image_ids: ColumnType<string[], string | undefined, string>
  /** Opaque provider data returned with an assistant turn, handed back in later turns. */
  provider_metadata: ColumnType<Record<string, unknown> | null, string | null | undefined, string | null>
  created_at: Generated<Timestamp>
}

export type ChatSessionRow = Selectable<ChatSessionsTable>
export type NewChatSessionRow = Insertable<ChatSessionsTable>
export type ChatMessageRow = Selectable<ChatMessagesTable>
export type NewChatMessageRow = Insertable<ChatMessagesTable>

// The library (migration 0008). `images`, `prompts` and `templates` also have a generated
// `search tsvector` column, left out of these types: it is never written, and queries reach it
// through `sql` (full-text search).

export interface FavoriteFoldersTable {
  id: string
  user_id: string
  name: string
  created_at: Generated<Timestamp>
}

export interface FavoritesTable {
  user_id: string
  image_id: string
  folder_id: string | null
  created_at: Generated<Timestamp>
}

export interface ProjectsTable {
  id: string
  user_id: string
  name: string
  description: string | null
  created_at: Generated<Timestamp>
  updated_at: Generated<Timestamp>
}

export interface ProjectImagesTable {
  project_id: string
  image_id: string
  user_id: string
  added_at: Generated<Timestamp>
}

export interface TemplateVariable {
  name: string
  description?: string
  default?: string
  required: boolean
}

export interface TemplatesTable {
  id: string
  user_id: string
  name: string
  description: string | null
  /** The prompt with `{{variable}}` placeholders. */
  prompt: string
  variables: ColumnType<TemplateVariable[], string | undefined, string>
  /** Default generation options applied on `use` (resolution, aspectRatio, provider, ...). */
  options: ColumnType<Record<string, unknown>, string | undefined, string>
  category: string | null
  is_public: Generated<boolean>
  use_count: Generated<number>
  created_at: Generated<Timestamp>
  updated_at: Generated<Timestamp>
}

export interface PromptsTable {
  id: string
  user_id: string
  title: string
  text: string
  category: Generated<string>
  tags: ColumnType<string[], string | undefined, string>
  is_public: Generated<boolean>
  created_at: Generated<Timestamp>
  updated_at: Generated<Timestamp>
}

export interface QuotaWarningsTable {
  user_id: string
  /** UTC day, YYYY-MM-DD. */
  day: string
  /** Percent of the daily limit: 80 or 100. */
  threshold: number
  created_at: Generated<Timestamp>
}

export type FavoriteFolderRow = Selectable<FavoriteFoldersTable>
export type FavoriteRow = Selectable<FavoritesTable>
export type ProjectRow = Selectable<ProjectsTable>
export type TemplateRow = Selectable<TemplatesTable>
export type NewTemplateRow = Insertable<TemplatesTable>
export type PromptRow = Selectable<PromptsTable>
export type NewPromptRow = Insertable<PromptsTable>
