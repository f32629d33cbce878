/**
 * @module Multi-turn refinement: chat.create on the first message, then chat.send; the thread
 * shows each request and the assistant's images (the provider sees the earlier turns).
 */
import type { Image } from '@nbl/sdk'
import { useMutation, useQueryClient } from '@tanstack/react-query'
import { type FormEvent, useState } from 'react'
import { useClient } from '../client-context'
import { ErrorMessage } from '../errors'
import { HISTORY_KEY } from './history-panel'
import { QUOTA_KEY } from './quota-meter'

interface Turn {
  id: string
  role: 'user' | 'assistant'
  text?: string | undefined
  images: Image[]
}

export function ChatPanel() {
  const client = useClient()
  const queryClient = useQueryClient()
  const [sessionId, setSessionId] = useState<string | null>(null)
  const [turns, setTurns] = useState<Turn[]>([])
  const [message, setMessage] = useState('')

  const send = useMutation({
    mutationFn: async (text: string) => {
      const id = sessionId ?? (await client.chat.create.mutate({ title: text.slice(0, 200) })).id
      setSessionId(id)
      return client.chat.send.mutate({ sessionId: id, message: text })
    },
    onMutate: (text) => {
      setTurns((current) => [...current, { id: `local-${current.length}`, role: 'user', text, images: [] }])
      setMessage('')
    },
    onSuccess: ({ message: reply }) => {
      setTurns((current) => [
        ...current,
        { id: reply.id, role: 'assistant', text: reply.text ?? undefined, images: reply.images },
      ])
    },
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: QUOTA_KEY })
      void queryClient.invalidateQueries({ queryKey: HISTORY_KEY })
    },
  })

  function submit(event: FormEvent) {
    event.preventDefault()
    const text = message.trim()
    if (text) send.mutate(text)
  }

  function newSession() {
    setSessionId(null)
    setTurns([])
    send.reset()
  }

  return (
    <section className="panel" aria-labelledby="chat-title">
      <h2 id="chat-title">Chat</h2>
      <ol className="thread" aria-live="polite" data-testid="chat-thread">
        {turns.map((turn) => (
          <li key={turn.id} className={turn.role} data-testid={`chat-${turn.role}`}>
            <span className="role">{turn.role === 'user' ? 'You' : 'Assistant'}</span>
            {turn.text ? <p>{turn.text}</p> : null}
            {turn.images.map((image) => (
              <img key={image.id} src={image.url} alt={image.prompt} data-testid="chat-image" />
            ))}
          </li>
        ))}
      </ol>
      <ErrorMessage error={send.error} testId="chat-error" />
      <form onSubmit={submit} className="row">
        <label htmlFor="chat-message" className="grow">
          Message
          <input
            id="chat-message"
            required
            maxLength={4000}
            value={message}
            onChange={(event) => setMessage(event.target.value)}
            data-testid="chat-message"
          />
        </label>
        <button type="submit" disabled={send.isPending} data-testid="chat-send">
          {send.isPending ? 'Sending…' : 'Send'}
        </button>
        <button type="button" onClick={newSession} disabled={send.isPending}>
          New session
        </button>
      </form>
    </section>
  )
}
