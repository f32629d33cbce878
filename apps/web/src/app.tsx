/** @module The playground shell: sign-in, then the quota meter and the panels. */
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useMemo, useState } from 'react'
import { ClientContext } from './client-context'
import { BatchPanel } from './panels/batch-panel'
import { ChatPanel } from './panels/chat-panel'
import { GeneratePanel } from './panels/generate-panel'
import { HistoryPanel } from './panels/history-panel'
import { QuotaMeter } from './panels/quota-meter'
import { SignIn } from './panels/sign-in'
import { clientFor, forgetApiKey, type Session, storedSession } from './session'

export function App() {
  const queryClient = useQueryClient()
  // Without a stored key, the session cookie (after a GitHub sign-in) may still sign us in.
  const [session, setSession] = useState<Session | null>(storedSession)
  // Bumped on every sign-in and sign-out, so `me` is asked again even when the session kind is the same.
  const [epoch, setEpoch] = useState(0)
  const client = useMemo(() => clientFor(session), [session])
  const me = useQuery({
    queryKey: ['me', session?.kind ?? 'cookie', epoch],
    queryFn: () => client.auth.me.query(),
  })

  async function signOut() {
    // The cookie session ends on the server (refresh cookie revoked, both cookies cleared).
    if (me.data?.authMethod === 'session') await client.auth.logout.mutate().catch(() => undefined)
    forgetApiKey()
    queryClient.clear()
    setSession(null)
    setEpoch((current) => current + 1)
  }

  return (
    <div className="shell">
      <header className="top">
        <h1>Nano Banana Lab</h1>
        {me.data ? (
          <div className="account">
            <span data-testid="signed-in-as">
              {me.data.login ?? me.data.name} ({me.data.tier})
            </span>
            <button type="button" onClick={() => void signOut()} data-testid="sign-out">
              Sign out
            </button>
          </div>
        ) : null}
      </header>
      {me.isPending ? (
        <p aria-live="polite">Checking your session…</p>
      ) : me.data ? (
        <ClientContext.Provider value={client}>
          <QuotaMeter />
          <main className="panels">
            <GeneratePanel />
            <BatchPanel />
            <ChatPanel />
            <HistoryPanel />
          </main>
        </ClientContext.Provider>
      ) : (
        <SignIn
          onSignedIn={(next) => {
            queryClient.clear()
            setSession(next)
            setEpoch((current) => current + 1)
          }}
        />
      )}
    </div>
  )
}
