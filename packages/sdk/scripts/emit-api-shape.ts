/**
 * @module Build step after `tsc -p tsconfig.build.json`: writes dist/api-shape.d.ts with the API's
 * types spelled out (no import of @nbl/api or anything server-side), then checks that every
 * published declaration file imports only what a consumer installs with the SDK.
 */
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const dist = join(root, 'dist')
const scratch = join(root, '.api-shape')
/** What a published declaration may import: our own files and the SDK's dependencies. */
const ALLOWED_IMPORTS = /^(\.{1,2}\/|@trpc\/client$|@trpc\/server$|@trpc\/server\/|eventsource$)/

rmSync(scratch, { recursive: true, force: true })
execFileSync('tsc', ['-p', join(root, 'scripts', 'tsconfig.json')], { stdio: 'inherit', cwd: root })
const generated = readFileSync(join(scratch, 'scripts', 'api-shape.gen.d.ts'), 'utf8')
rmSync(scratch, { recursive: true, force: true })

const body = generated
  .replace(/^export declare const (apiShape|appErrorData):/gm, 'declare const $1:')
  .replace(/^export \{\};?\s*$/gm, '')
writeFileSync(
  join(dist, 'api-shape.d.ts'),
  [
    "/** The API's procedures and error data, written out from the server's router at build time. */",
    body.trim(),
    '/** Every procedure of the API by path, as data. */',
    'export type ApiShape = typeof apiShape;',
    '/** The `data` every API error carries. */',
    'export type AppErrorData = typeof appErrorData;',
    '',
  ].join('\n'),
)

const problems: string[] = []
for (const file of readdirSync(dist).filter((name) => name.endsWith('.d.ts'))) {
  // Comments hold examples that import '@nbl/sdk'; only code counts.
  const text = readFileSync(join(dist, file), 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/^\s*\/\/.*$/gm, '')
  const specifiers = [
    ...text.matchAll(/\bfrom\s+['"]([^'"]+)['"]/g),
    ...text.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((match) => match[1] ?? '')
  for (const specifier of specifiers) {
    if (!ALLOWED_IMPORTS.test(specifier)) problems.push(`${file} imports ${specifier}`)
  }
}
if (problems.length > 0) {
  console.error(`published declarations must not reach server code:\n${problems.join('\n')}`)
  process.exit(1)
}
console.log('dist/api-shape.d.ts written; declarations import only the SDK and its dependencies')
