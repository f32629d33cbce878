/**
 * @module `@nbl/api/redis`: what opens connections to Redis (ioredis) and queues job items on it
 * (BullMQ). An entry of its own so that a server without REDIS_URL loads neither (~7 MiB of heap and
 * their code); the Redis-backed stores, which are handed a connection, stay in the main entry.
 */
export {
  connectRedisEventBus,
  createRedisEventBus,
  type RedisEventBus,
  type RedisEventBusOptions,
} from './services/events/redis-event-bus.js'
export {
  type BullMQDispatch,
  createBullMQDispatch,
  JOB_ITEMS_QUEUE,
} from './services/jobs/bullmq-dispatch.js'
export { createRedisConnection, pingRedis } from './services/redis/connection.js'
