/**
 * @module The library: favorites and their folders, projects, templates and the prompt library, with
 * full-text search (weighted tsvector columns, GIN) and trigram indexes for suggestions; quota
 * warnings sent (one per user, day and threshold); an index for analytics over all users.
 * Frozen: never edit after release, add a new migration.
 */
import { type Kysely, sql } from 'kysely'

const timestamp = 'timestamptz(3)'

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function up(db: Kysely<any>): Promise<void> {
  // Trusted since PostgreSQL 13: a database owner may create it; PGlite loads it as an extension.
  await sql`create extension if not exists pg_trgm`.execute(db)

  await db.schema
    .createTable('favorite_folders')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('favorite_folders_user_name_key', ['user_id', 'name'])
    .execute()

  await db.schema
    .createTable('favorites')
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('image_id', 'text', (column) => column.notNull().references('images.id').onDelete('cascade'))
    // Deleting a folder moves its favorites back to "no folder" unless the caller deletes them too.
    .addColumn('folder_id', 'text', (column) => column.references('favorite_folders.id').onDelete('set null'))
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('favorites_pkey', ['user_id', 'image_id'])
    .execute()
  await db.schema
    .createIndex('favorites_user_created_idx')
    .on('favorites')
    .columns(['user_id', 'created_at desc', 'image_id desc'])
    .execute()
  await db.schema.createIndex('favorites_image_id_idx').on('favorites').column('image_id').execute()
  await db.schema.createIndex('favorites_folder_id_idx').on('favorites').column('folder_id').execute()

  await db.schema
    .createTable('projects')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('projects_user_updated_idx')
    .on('projects')
    .columns(['user_id', 'updated_at desc', 'id desc'])
    .execute()

  await db.schema
    .createTable('project_images')
    .addColumn('project_id', 'text', (column) =>
      column.notNull().references('projects.id').onDelete('cascade'),
    )
    .addColumn('image_id', 'text', (column) => column.notNull().references('images.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('added_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('project_images_pkey', ['project_id', 'image_id'])
    .execute()
  await db.schema.createIndex('project_images_image_id_idx').on('project_images').column('image_id').execute()

  await db.schema
    .createTable('templates')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('description', 'text')
    // The prompt with `{{variable}}` placeholders.
    .addColumn('prompt', 'text', (column) => column.notNull())
    // Declared variables: [{ name, description?, default?, required }].
    .addColumn('variables', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    // Default generation options (resolution, aspectRatio, provider, strategy, ...).
    .addColumn('options', 'jsonb', (column) => column.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('category', 'text')
    .addColumn('is_public', 'boolean', (column) => column.notNull().defaultTo(false))
    .addColumn('use_count', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('templates_user_updated_idx')
    .on('templates')
    .columns(['user_id', 'updated_at desc', 'id desc'])
    .execute()
  await sql`create index templates_public_idx on templates (updated_at desc, id desc) where is_public`.execute(
    db,
  )

  await db.schema
    .createTable('prompts')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('title', 'text', (column) => column.notNull())
    .addColumn('text', 'text', (column) => column.notNull())
    .addColumn('category', 'text', (column) => column.notNull().defaultTo('general'))
    .addColumn('tags', 'jsonb', (column) => column.notNull().defaultTo(sql`'[]'::jsonb`))
    .addColumn('is_public', 'boolean', (column) => column.notNull().defaultTo(false))
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .execute()
  await db.schema
    .createIndex('prompts_user_updated_idx')
    .on('prompts')
    .columns(['user_id', 'updated_at desc', 'id desc'])
    .execute()
  await sql`create index prompts_public_idx on prompts (updated_at desc, id desc) where is_public`.execute(db)

  // Full-text search: stored, weighted vectors (titles rank above bodies) with GIN indexes, and
  // trigram indexes for prefix/fuzzy suggestions. 'english' stems ("foxes" finds "fox").
  await sql`alter table images add column search tsvector generated always as
    (to_tsvector('english', prompt)) stored`.execute(db)
  await sql`alter table prompts add column search tsvector generated always as
    (setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', text), 'B')
     || setweight(to_tsvector('english', category), 'C')) stored`.execute(db)
  await sql`alter table templates add column search tsvector generated always as
    (setweight(to_tsvector('english', name), 'A')
     || setweight(to_tsvector('english', coalesce(description, '')), 'B')
     || setweight(to_tsvector('english', prompt), 'B')) stored`.execute(db)
  for (const table of ['images', 'prompts', 'templates']) {
    await sql`create index ${sql.raw(`${table}_search_idx`)} on ${sql.table(table)} using gin (search)`.execute(
      db,
    )
  }
  await sql`create index images_prompt_trgm_idx on images using gin (prompt gin_trgm_ops)`.execute(db)
  await sql`create index prompts_title_trgm_idx on prompts using gin (title gin_trgm_ops)`.execute(db)
  await sql`create index templates_name_trgm_idx on templates using gin (name gin_trgm_ops)`.execute(db)

  await db.schema
    .createTable('quota_warnings')
    .addColumn('user_id', 'text', (column) => column.notNull().references('users.id').onDelete('cascade'))
    .addColumn('day', 'text', (column) => column.notNull())
    // Percent of the daily limit: 80 or 100.
    .addColumn('threshold', 'integer', (column) => column.notNull())
    .addColumn('created_at', timestamp, (column) => column.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('quota_warnings_pkey', ['user_id', 'day', 'threshold'])
    .execute()

  // Analytics with scope 'all' ranges over every user's generations by time.
  await db.schema.createIndex('generations_created_at_idx').on('generations').column('created_at').execute()
}

// biome-ignore lint/suspicious/noExplicitAny: migrations are frozen in time
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('generations_created_at_idx').execute()
  await db.schema.dropTable('quota_warnings').execute()
  await sql`drop index if exists images_prompt_trgm_idx`.execute(db)
  await sql`drop index if exists images_search_idx`.execute(db)
  await sql`alter table images drop column if exists search`.execute(db)
  await db.schema.dropTable('prompts').execute()
  await db.schema.dropTable('templates').execute()
  await db.schema.dropTable('project_images').execute()
  await db.schema.dropTable('projects').execute()
  await db.schema.dropTable('favorites').execute()
  await db.schema.dropTable('favorite_folders').execute()
}
