/**
 * @module The logger of one request: every line it writes carries the request's id. The tRPC context
 * hands it to everything a procedure calls as `ctx.deps.logger`, so services log as they always do.
 *
 * Passed along rather than looked up through AsyncLocalStorage: on Node 20 an AsyncLocalStorage makes
 * the process run a hook for every promise it creates, which cost 7-10 % of a generation's CPU under
 * load (bench/README.md, round 4).
 */
import type { AppLogger } from '../../deps.js'

export function requestLogger(logger: AppLogger, requestId: string): AppLogger {
  return new RequestLogger(logger, requestId)
}

class RequestLogger implements AppLogger {
  constructor(
    private readonly logger: AppLogger,
    private readonly requestId: string,
  ) {}

  debug(object: object, message?: string): void {
    this.logger.debug(this.tagged(object), message)
  }

  info(object: object, message?: string): void {
    this.logger.info(this.tagged(object), message)
  }

  warn(object: object, message?: string): void {
    this.logger.warn(this.tagged(object), message)
  }

  error(object: object, message?: string): void {
    this.logger.error(this.tagged(object), message)
  }

  private tagged(object: object): object {
    return { requestId: this.requestId, ...object }
  }
}
