/** @module Sign in with an API key (checked with auth.me before it is kept) or with GitHub. */
import { createClient } from '@nbl/sdk'
import { type FormEvent, useState } from 'react'
import { ErrorMessage } from '../errors'
import { clientFor, type Session, storeApiKey } from '../session'

export function SignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [apiKey, setApiKey] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)

  async function signInWithKey(event: FormEvent) {
    event.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const key = apiKey.trim()
      await createClient({ url: window.location.origin, apiKey: key }).auth.me.query()
      storeApiKey(key)
      onSignedIn({ kind: 'apiKey', apiKey: key })
    } catch (caught) {
      setError(caught)
    } finally {
      setBusy(false)
    }
  }

  async function signInWithGithub() {
    setError(null)
    try {
      // The server's callback sets the session cookies and sends the browser back here.
      const { url } = await clientFor(null).auth.loginUrl.query({ redirectTo: window.location.href })
      window.location.assign(url)
    } catch (caught) {
      setError(caught)
    }
  }

  return (
    <section className="panel sign-in" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      <form onSubmit={(event) => void signInWithKey(event)}>
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          type="password"
          autoComplete="off"
          required
          placeholder="nbl_…"
          value={apiKey}
          onChange={(event) => setApiKey(event.target.value)}
          data-testid="api-key"
        />
        <button type="submit" disabled={busy} data-testid="sign-in">
          Sign in
        </button>
      </form>
      <p className="or">or</p>
      <button type="button" onClick={() => void signInWithGithub()} data-testid="sign-in-github">
        Sign in with GitHub
      </button>
      <ErrorMessage error={error} testId="sign-in-error" />
    </section>
  )
}
