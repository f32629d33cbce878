/**
 * @module The `@runwayml/sdk` module, loaded by the adapter's first call: about 1 MiB of heap on a
 * server that may never call Runway.
 */
import { lazyModule } from '../../lazy-module.js'

export const runwaySdk = lazyModule(() => import('@runwayml/sdk'))
