/** @module One prompt → generate.image; the result with provider, cost, latency and attempts. */
import type { GenerateImageInput } from '@nbl/sdk'
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useClient } from '../client-context'
import { ErrorMessage } from '../errors'
import {
  ASPECT_RATIOS,
  type AspectRatio,
  PROVIDERS,
  type Provider,
  RESOLUTIONS,
  type Resolution,
  STRATEGIES,
  type Strategy,
} from '../options'
import { HISTORY_KEY } from './history-panel'
import { QUOTA_KEY } from './quota-meter'

/** Enabled providers from health.detailed; the fixed API.md list when that is unavailable. */
function useProviders(): readonly string[] {
  const client = useClient()
  const health = useQuery({ queryKey: ['providers'], queryFn: () => client.health.detailed.query() })
  const enabled = health.data?.providers.filter((provider) => provider.enabled).map(({ name }) => name)
  return enabled && enabled.length > 0 ? enabled : PROVIDERS
}

export function GeneratePanel() {
  const client = useClient()
  const queryClient = useQueryClient()
  const providers = useProviders()
  const [prompt, setPrompt] = useState('')
  const [resolution, setResolution] = useState<Resolution>('1K')
  const [aspectRatio, setAspectRatio] = useState<AspectRatio>('1:1')
  const [provider, setProvider] = useState<Provider | ''>('')
  const [strategy, setStrategy] = useState<Strategy | ''>('')

  const generate = useMutation({
    mutationFn: (input: GenerateImageInput) => client.generate.image.mutate(input),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: QUOTA_KEY })
      void queryClient.invalidateQueries({ queryKey: HISTORY_KEY })
    },
  })

  function submit(event: FormEvent) {
    event.preventDefault()
    generate.mutate({
      prompt,
      resolution,
      aspectRatio,
      ...(provider ? { provider } : {}),
      ...(strategy ? { strategy } : {}),
    })
  }

  const result = generate.data
  return (
    <section className="panel" aria-labelledby="generate-title">
      <h2 id="generate-title">Generate</h2>
      <form onSubmit={submit} className="stack">
        <label htmlFor="prompt">Prompt</label>
        <textarea
          id="prompt"
          required
          maxLength={4000}
          rows={3}
          value={prompt}
          onChange={(event) => setPrompt(event.target.value)}
          data-testid="prompt"
        />
        <div className="row">
          <label>
            Resolution
            <select
              value={resolution}
              onChange={(event) => setResolution(event.target.value as Resolution)}
              data-testid="resolution"
            >
              {RESOLUTIONS.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </label>
          <label>
            Aspect ratio
            <select
              value={aspectRatio}
              onChange={(event) => setAspectRatio(event.target.value as AspectRatio)}
              data-testid="aspect-ratio"
            >
              {ASPECT_RATIOS.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </label>
          <label>
            Provider
            <select
              value={provider}
              onChange={(event) => setProvider(event.target.value as Provider | '')}
              data-testid="provider"
            >
              <option value="">Automatic</option>
              {providers.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </label>
          <label>
            Strategy
            <select
              value={strategy}
              onChange={(event) => setStrategy(event.target.value as Strategy | '')}
              data-testid="strategy"
            >
              <option value="">Default</option>
              {STRATEGIES.map((value) => (
                <option key={value}>{value}</option>
              ))}
            </select>
          </label>
        </div>
        <button type="submit" disabled={generate.isPending} data-testid="generate">
          {generate.isPending ? 'Generating…' : 'Generate'}
        </button>
      </form>
      <div aria-live="polite">
        <ErrorMessage error={generate.error} testId="generate-error" />
        {result ? (
          <article className="result" data-testid="result">
            {result.images.map((image) => (
              <img
                key={image.id}
                src={image.url}
                alt={image.prompt}
                width={image.width}
                height={image.height}
                data-testid="result-image"
              />
            ))}
            <dl className="facts">
              <dt>Provider</dt>
              <dd data-testid="result-provider">
                {result.provider} ({result.model})
              </dd>
              <dt>Cost</dt>
              <dd data-testid="result-cost">${result.costUsd.toFixed(4)}</dd>
              <dt>Latency</dt>
              <dd data-testid="result-latency">{result.latencyMs} ms</dd>
            </dl>
            <table className="attempts" data-testid="result-attempts">
              <caption>Attempts</caption>
              <thead>
                <tr>
                  <th scope="col">Provider</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Latency</th>
                  <th scope="col">Error</th>
                </tr>
              </thead>
              <tbody>
                {result.attempts.map((attempt, index) => (
                  // Attempts have no id; their order is their identity.
                  // biome-ignore lint/suspicious/noArrayIndexKey: a fixed list per result
                  <tr key={index}>
                    <td>{attempt.provider}</td>
                    <td>{attempt.outcome}</td>
                    <td>{attempt.latencyMs} ms</td>
                    <td>{attempt.errorClass ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </article>
        ) : null}
      </div>
    </section>
  )
}
