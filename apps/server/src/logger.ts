/**
 * @module The server's pino logger: JSON lines, the request id on every line logged inside a
 * request (from the request scope), and secrets and prompts redacted wherever they appear.
 */
import { requestLogFields } from '@nbl/api'
import { type DestinationStream, type LevelWithSilent, type Logger, pino } from 'pino'

/**
 * Field names never written as they are: credentials, and prompts (a user's prompt is theirs; an
 * operator reading logs sees ids, not what people asked for).
 */
const REDACTED_FIELDS = [
  'authorization',
  'cookie',
  'apiKey',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'password',
  'clientSecret',
  'prompt',
  'negativePrompt',
]

export function createLogger(options: { level: LevelWithSilent; destination?: DestinationStream }): Logger {
  return pino(
    {
      level: options.level,
      base: { service: 'nbl-server' },
      mixin: requestLogFields,
      redact: {
        // Top level and one level down (`{ input: { prompt } }`, `{ headers: { authorization } }`).
        paths: [...REDACTED_FIELDS, ...REDACTED_FIELDS.map((field) => `*.${field}`)],
        censor: '[redacted]',
      },
    },
    options.destination,
  )
}
