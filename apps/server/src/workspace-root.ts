/**
 * @module Where relative paths (DATA_DIR) are anchored: the monorepo root when run from it (turbo
 * runs the server from its package folder), else the working directory.
 */
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'

export function findBaseDirectory(start: string = process.cwd()): string {
  for (let directory = start; ; directory = dirname(directory)) {
    if (existsSync(join(directory, 'pnpm-workspace.yaml'))) return directory
    if (dirname(directory) === directory) return start
  }
}
