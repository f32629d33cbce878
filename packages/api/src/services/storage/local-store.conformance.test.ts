import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHarness } from '../../../test/harness.js'
import { createApp } from '../../http.js'
import { runObjectStoreConformance } from './conformance.js'
import { createLocalObjectStore } from './local-store.js'

// Small objects go to packs by default; `packedMaxBytes: 0` gives every object its own file.
for (const [label, packedMaxBytes] of [
  ['local (packs)', undefined],
  ['local (a file per object)', 0],
] as const) {
  runObjectStoreConformance(label, {
    async create({ now }) {
      const root = await mkdtemp(join(tmpdir(), 'nbl-objects-conformance-'))
      const store = createLocalObjectStore({
        root,
        secret: 'a-conformance-secret-of-enough-length',
        now,
        ...(packedMaxBytes === undefined ? {} : { packedMaxBytes }),
      })
      // Downloads go through the real `/files` route of the app.
      const harness = await createHarness({ storage: { objects: store, localFiles: store } })
      const app = createApp(harness.deps)
      return {
        store,
        download: async (url) => app.request(url),
        lifetimeOf: (url) => Number(url.searchParams.get('expires')) - Math.floor(now() / 1000),
        async close() {
          await harness.close()
          await rm(root, { recursive: true, force: true })
        },
      }
    },
  })
}
