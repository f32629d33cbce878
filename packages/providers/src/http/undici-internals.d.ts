// Types for the undici files `undici.ts` imports one by one: the same values as the package's index
// exports, whose own declarations these reuse.
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent as IndexAgent } from 'undici'

  // The index adds request, stream, pipeline, connect and upgrade to every dispatcher; this file does not.
  type Agent = Omit<IndexAgent, 'request' | 'stream' | 'pipeline' | 'connect' | 'upgrade'>
  const Agent: new (options?: IndexAgent.Options) => Agent
  export = Agent
}

declare module 'undici/lib/api/api-request.js' {
  import type { Dispatcher } from 'undici'

  function request(this: Dispatcher, options: Dispatcher.RequestOptions): Promise<Dispatcher.ResponseData>
  export = request
}

declare module 'undici/lib/core/errors.js' {
  import { errors } from 'undici'
  export = errors
}
