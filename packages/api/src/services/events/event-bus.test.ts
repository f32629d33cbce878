import { runEventBusConformance } from './conformance.js'
import { createMemoryEventBus } from './event-bus.js'

runEventBusConformance('memory', {
  create: async () => ({ bus: createMemoryEventBus(), close: async () => {} }),
})
