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
  deps: {
    // Every bare import but our own packages is left to node_modules (a function: subpaths such as
    // `@hono/node-server/conninfo` and packages only the workspace packages depend on are included).
    neverBundle: (id) => isBareSpecifier(id) && !isWorkspace(id),
    alwaysBundle: [/^@nbl\//],
    // Nothing from node_modules may end up inside the bundle.
    onlyBundle: [],
  },
  plugins: [
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
