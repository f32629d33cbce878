/** @module The caller's latest images (library.history.list), refreshed after each generation. */
import { useQuery } from '@tanstack/react-query'
import { useClient } from '../client-context'
import { ErrorMessage } from '../errors'

export const HISTORY_KEY = ['history'] as const

export function HistoryPanel() {
  const client = useClient()
  const history = useQuery({
    queryKey: HISTORY_KEY,
    queryFn: () => client.library.history.list.query({ limit: 24 }),
  })
  return (
    <section className="panel wide" aria-labelledby="history-title">
      <h2 id="history-title">History</h2>
      <ErrorMessage error={history.error} />
      {history.data && history.data.items.length === 0 ? <p className="muted">No images yet.</p> : null}
      <ul className="gallery" data-testid="history">
        {history.data?.items.map((image) => (
          <li key={image.id}>
            <figure>
              <img src={image.url} alt={image.prompt} loading="lazy" data-testid="history-image" />
              <figcaption>
                {image.prompt}
                <span className="muted">
                  {image.provider} · {image.width}×{image.height}
                </span>
              </figcaption>
            </figure>
          </li>
        ))}
      </ul>
    </section>
  )
}
