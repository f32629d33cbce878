/** @module Bundles the CLI into one ESM file (the SDK and its dependencies included) with a shebang. */
import { defineConfig } from 'tsdown'

export default defineConfig({
  entry: { nbl: 'src/nbl.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  fixedExtension: false,
  dts: false,
  clean: true,
  // One self-contained file: `node dist/nbl.js` needs nothing beside it.
  deps: { alwaysBundle: [/^@nbl\//, /^@trpc\//, 'eventsource', /^eventsource-parser/, 'commander'] },
})
