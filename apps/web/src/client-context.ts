/** @module The signed-in SDK client, handed to every panel. */
import type { NanoBananaClient } from '@nbl/sdk'
import { createContext, useContext } from 'react'

export const ClientContext = createContext<NanoBananaClient | null>(null)

export function useClient(): NanoBananaClient {
  const client = useContext(ClientContext)
  if (!client) throw new Error('useClient outside a signed-in ClientContext')
  return client
}
