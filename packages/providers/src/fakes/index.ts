/**
 * @module Contract fakes of every provider's HTTP API, for tests and benchmarks
 * (`@nbl/providers/fakes`). Each starts on a random loopback port.
 */
export * from './fake-server.js'
export * from './flux-fake.js'
export * from './google-fake.js'
export * from './kling-fake.js'
export * from './media.js'
export * from './openai-fake.js'
export * from './openrouter-fake.js'
export * from './replicate-fake.js'
export * from './runway-fake.js'
export * from './video-media.js'
