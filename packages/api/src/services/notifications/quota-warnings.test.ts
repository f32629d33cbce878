import { describe, expect, it } from 'vitest'
import type { AppDeps, AppLogger } from '../../deps.js'
import { createQuotaWarningNotifier } from './quota-warnings.js'

function recordingLogger() {
  const errors: { object: object; message: string | undefined }[] = []
  const logger: AppLogger = {
    debug() {},
    info() {},
    warn() {},
    error(object, message) {
      errors.push({ object, message })
    },
  }
  return { logger, errors }
}

describe('quota warning notifier', () => {
  it("logs a failed check on the charging request's logger, else on the app's", async () => {
    const app = recordingLogger()
    const request = recordingLogger()
    // Only what the check reaches first: a quota store that is down.
    const deps = {
      logger: app.logger,
      quota: {
        state: async () => {
          throw new Error('quota store unreachable')
        },
      },
    } as unknown as AppDeps
    const notifier = createQuotaWarningNotifier(() => deps)
    const subject = { id: 'usr_w', tier: 'free' as const }

    notifier.onCharged({ subject, day: '2026-11-25', unitsCharged: 1, logger: request.logger })
    await notifier.idle()
    expect(request.errors).toEqual([
      {
        object: { err: 'quota store unreachable', userId: 'usr_w' },
        message: 'could not send quota warnings',
      },
    ])
    expect(app.errors).toEqual([])

    notifier.onCharged({ subject, day: '2026-11-25', unitsCharged: 1 })
    await notifier.idle()
    expect(app.errors).toHaveLength(1)
  })
})
