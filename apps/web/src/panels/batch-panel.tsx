/**
 * @module Many prompts → generate.batch, with a live progress bar fed by the job's event stream
 * (the SDK's watchJob over generate.jobs.events: resumes after a dropped connection, ends at `done`).
 */
import { type Image, watchJob } from '@nbl/sdk'
import { useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useEffect, useRef, useState } from 'react'
import { useClient } from '../client-context'
import { ErrorMessage } from '../errors'
import { HISTORY_KEY } from './history-panel'
import { QUOTA_KEY } from './quota-meter'

interface Progress {
  jobId: string
  total: number
  done: number
  failed: number
  status: string | null
  images: Image[]
}

export function BatchPanel() {
  const client = useClient()
  const queryClient = useQueryClient()
  const [text, setText] = useState('')
  const [progress, setProgress] = useState<Progress | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const watching = useRef<AbortController | null>(null)

  useEffect(() => () => watching.current?.abort(), [])

  async function follow(jobId: string, signal: AbortSignal) {
    for await (const event of watchJob(client, jobId, { signal })) {
      setProgress((current) => {
        if (!current || current.jobId !== jobId) return current
        if (event.type === 'progress') {
          return { ...current, done: event.done, failed: event.failed, total: event.total }
        }
        if (event.type === 'item') {
          return event.image ? { ...current, images: [...current.images, event.image] } : current
        }
        return { ...current, status: event.status }
      })
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault()
    const prompts = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
    if (prompts.length === 0) return
    watching.current?.abort()
    const controller = new AbortController()
    watching.current = controller
    setError(null)
    setBusy(true)
    try {
      const { jobId, total } = await client.generate.batch.mutate({
        items: prompts.map((prompt) => ({ prompt })),
      })
      setProgress({ jobId, total, done: 0, failed: 0, status: 'queued', images: [] })
      void queryClient.invalidateQueries({ queryKey: QUOTA_KEY })
      await follow(jobId, controller.signal)
      void queryClient.invalidateQueries({ queryKey: HISTORY_KEY })
    } catch (caught) {
      if (!controller.signal.aborted) setError(caught)
    } finally {
      if (watching.current === controller) setBusy(false)
    }
    void queryClient.invalidateQueries({ queryKey: QUOTA_KEY })
  }

  const finished = progress ? progress.done + progress.failed : 0
  const percent = progress && progress.total > 0 ? Math.round((finished / progress.total) * 100) : 0
  return (
    <section className="panel" aria-labelledby="batch-title">
      <h2 id="batch-title">Batch</h2>
      <form onSubmit={(event) => void submit(event)} className="stack">
        <label htmlFor="batch-prompts">Prompts, one per line</label>
        <textarea
          id="batch-prompts"
          rows={4}
          required
          value={text}
          onChange={(event) => setText(event.target.value)}
          data-testid="batch-prompts"
        />
        <button type="submit" disabled={busy} data-testid="batch-run">
          {busy ? 'Running…' : 'Run batch'}
        </button>
      </form>
      <ErrorMessage error={error} testId="batch-error" />
      {progress ? (
        <div className="batch-progress">
          <div
            className="bar"
            role="progressbar"
            aria-label="Batch progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            data-testid="batch-progress"
          >
            <div className="fill" style={{ width: `${percent}%` }} />
          </div>
          <p aria-live="polite" data-testid="batch-progress-text">
            {finished} of {progress.total} finished ({percent} %)
            {progress.failed > 0 ? `, ${progress.failed} failed` : ''}
            {progress.status && progress.status !== 'queued' ? ` — ${progress.status}` : ''}
          </p>
          <ul className="gallery small" data-testid="batch-images">
            {progress.images.map((image) => (
              <li key={image.id}>
                <img src={image.url} alt={image.prompt} data-testid="batch-image" />
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </section>
  )
}
