/**
 * @module Bundles the server into dist/main.js (ESM, Node 20): our workspace packages (`@nbl/*`, which
 * export TypeScript sources) are inlined; every npm package stays an import, loaded from node_modules at
 * run time. That keeps native and WebAssembly parts (sharp, PGlite, h264-mp4-encoder), pino's worker
 * threads and the AWS SDK where their own files expect them.
 *
 * Because pnpm gives each package only its own dependencies, every package the bundle imports must be a
 * `dependency` of @nbl/server itself: the build fails, naming it, when one is not.
 */
import { readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { defineConfig } from 'tsdown'

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as {
  dependencies?: Record<string, string>
}
const declared = new Set(Object.keys(pkg.dependencies ?? {}))
const builtins = new Set(builtinModules)

/** `@scope/name/sub` -> `@scope/name`, `name/sub` -> `name`. */
function packageNameOf(specifier: string): string {
  const [first = '', second] = specifier.split('/')
  return first.startsWith('@') && second ? `${first}/${second}` : first
}

/** The version a workspace package we bundle declares for `name`, to copy into our own dependencies. */
function versionInWorkspace(name: string): string | undefined {
  for (const workspacePackage of ['api', 'db', 'providers']) {
    const manifest = JSON.parse(
      readFileSync(new URL(`../../packages/${workspacePackage}/package.json`, import.meta.url), 'utf8'),
    ) as { dependencies?: Record<string, string> }
    const version = manifest.dependencies?.[name]
    if (version) return version
  }
  return undefined
}

const isBareSpecifier = (id: string) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0')
const isBuiltin = (id: string) => id.startsWith('node:') || builtins.has(packageNameOf(id))
const isWorkspace = (id: string) => id.startsWith('@nbl/')

export default defineConfig({
  entry: { main: 'src/main.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  fixedExtension: false,
  dts: false,
  sourcemap: true,
  clean: true,
  // V8 keeps a loaded script's source on the heap: without the doc comments, and one byte a character
  // (see `latin1Only`), dist/main.js holds 0.58 MB there instead of 1.37 MB.
  outputOptions: { comments: { jsdoc: false, legal: true, annotation: true } },
  deps: {
    // Every bare import but our own packages is left to node_modules (a function: subpaths such as
    // `@hono/node-server/conninfo` and packages only the workspace packages depend on are included).
    neverBundle: (id) => isBareSpecifier(id) && !isWorkspace(id),
    alwaysBundle: [/^@nbl\//],
    // Nothing from node_modules may end up inside the bundle.
    onlyBundle: [],
  },
  plugins: [
    latin1Only(),
    {
      name: 'nbl:declared-imports',
      generateBundle(_options, bundle) {
        const missing = new Set<string>()
        for (const chunk of Object.values(bundle)) {
          if (chunk.type !== 'chunk') continue
          // createRequire(import.meta.url)('x') now resolves from dist/ too (h264-mp4-encoder).
          const required = [
            ...chunk.code.matchAll(/createRequire\(import\.meta\.url\)\(\s*["']([^"']+)["']/g),
          ]
          for (const id of [
            ...chunk.imports,
            ...chunk.dynamicImports,
            ...required.map((match) => match[1] ?? ''),
          ]) {
            // Another chunk of this bundle (a dynamic import of our own code) is named by its file name.
            if (id in bundle) continue
            if (isBareSpecifier(id) && !isBuiltin(id) && !declared.has(packageNameOf(id))) {
              missing.add(packageNameOf(id))
            }
          }
        }
        if (missing.size > 0) {
          const wanted = [...missing].sort().map((name) => `"${name}": "${versionInWorkspace(name) ?? '?'}"`)
          this.error(
            'dist imports packages that apps/server/package.json does not list in "dependencies" ' +
              `(pnpm would not let dist/main.js resolve them). Add, then \`pnpm install\`: ${wanted.join(', ')}`,
          )
        }
      },
    },
  ],
})

/**
 * V8 stores a script's source two bytes a character as soon as one character is beyond Latin-1 (an
 * em dash, a Cyrillic homoglyph in the moderation table). Without comments the bundle is plain code,
 * so each such character is inside a string, template, regular expression or identifier, where
 * `\uXXXX` is the same character (astral ones as their two surrogates); not so in a template whose
 * tag reads `.raw` (`String.raw`), and none of ours holds one. Done on the finished chunk, because
 * rolldown prints strings from their value (escapes made earlier come back as characters) and the
 * version tsdown uses has no `charset: 'ascii'`. The source map is not shifted: on the few lines
 * with such a character, columns after it are off by five per character.
 */
function latin1Only() {
  const beyondLatin1 = /[\u0100-\uffff]/g
  return {
    name: 'nbl:latin1-only',
    generateBundle(_options: unknown, bundle: Record<string, { type: string; code?: string }>) {
      for (const chunk of Object.values(bundle)) {
        if (chunk.type !== 'chunk' || chunk.code === undefined) continue
        chunk.code = chunk.code.replace(
          beyondLatin1,
          (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
        )
      }
    },
  }
}
