// This file is README's React recipe, verbatim (test/readme.test.ts checks it; test/browser/react.test.ts runs it).

import type { AuthClient } from 'ky-token-refresh'
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react'

/** `restoring` until the first refresh tells whether a session survived the reload. */
export type SessionStatus = 'restoring' | 'signedIn' | 'signedOut'

export interface Auth {
  readonly client: AuthClient
  readonly status: SessionStatus
  login(credentials: { username: string; password: string }): Promise<void>
  logout(): Promise<void>
}

const AuthContext = createContext<Auth | null>(null)

export function AuthProvider({ client, children }: { client: AuthClient; children: ReactNode }) {
  const [status, setStatus] = useState<SessionStatus>('restoring')
  useEffect(() => {
    // After a reload only the HttpOnly refresh cookie is left: one refresh restores the session, or not.
    client.refresh().then(
      () => setStatus('signedIn'),
      () => setStatus('signedOut'),
    )
    const unsubscribe = [
      client.on('refreshed', () => setStatus('signedIn')),
      client.on('sessionExpired', () => setStatus('signedOut')),
    ]
    return () => {
      for (const stop of unsubscribe) stop()
    }
  }, [client])

  const auth: Auth = {
    client,
    status,
    async login(credentials) {
      await client.login(credentials)
      setStatus('signedIn')
    },
    async logout() {
      setStatus('signedOut')
      await client.logout()
    },
  }
  return <AuthContext value={auth}>{children}</AuthContext>
}

export function useAuth(): Auth {
  const auth = useContext(AuthContext)
  if (!auth) throw new Error('useAuth() needs an <AuthProvider> above it')
  return auth
}
