/**
 * @module Runs the conformance suite on in-memory PGlite through our dialect.
 */
import { describe } from 'vitest'
import { createDatabase } from '../src/index.js'
import { runDatabaseConformance } from './conformance.js'

describe('PGlite', () => {
  runDatabaseConformance({
    create: async () => {
      const started = performance.now()
      const handle = await createDatabase({})
      console.info(`PGlite started in ${Math.round(performance.now() - started)} ms`)
      return handle
    },
  })
})
