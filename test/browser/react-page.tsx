/**
 * The page behind react.test.ts: README's React recipe (react-auth.tsx) in a
 * small app, against `createAuthHandlers` under MSW's `setupWorker` (cookie
 * transport). The test drives the UI like a user and moves the mock's clock
 * through `window.reactMock`; the page shows statuses and counts, never a token.
 */
import { createAuthClient } from 'ky-token-refresh'
import { type AuthRoute, createAuthHandlers } from 'ky-token-refresh/mock-server'
import { setupWorker } from 'msw/browser'
import { type FormEvent, StrictMode, useEffect, useState } from 'react'
import { createRoot } from 'react-dom/client'
import { AuthProvider, useAuth } from './react-auth.tsx'

export const REACT_API = 'https://react.api.example.test'

export interface ReactMock {
  /** Requests answered per route, and `/protected` requests answered 401. */
  counts(): { readonly refresh: number; readonly login: number; readonly logout: number; readonly refused: number }
  advanceClock(milliseconds: number): void
  revokeAllSessions(): Promise<void>
}

declare global {
  interface Window {
    reactReady?: Promise<void>
    reactMock?: ReactMock
  }
}

const mock = createAuthHandlers({ baseUrl: REACT_API, transport: 'cookie', bcryptCost: 4, accessTokenTtl: 60 })
const count = (route: AuthRoute) => mock.count(route)

function Profile() {
  const { client, status, login, logout } = useAuth()
  const [name, setName] = useState<string>()
  const [loads, setLoads] = useState(0)
  const [failure, setFailure] = useState<string>()

  // Each click on "Load profile" bumps `requested`, which (re)runs the effect.
  const [requested, setRequested] = useState(0)
  useEffect(() => {
    if (status !== 'signedIn' || requested < 0) return
    client.api
      .get('protected')
      .json<{ user: { name: string } }>()
      .then(
        (body) => {
          setName(body.user.name)
          setLoads((n) => n + 1)
        },
        (error: unknown) => setFailure((error as { code?: string }).code ?? String(error)),
      )
  }, [client, status, requested])

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = new FormData(event.currentTarget)
    setFailure(undefined)
    login({ username: String(form.get('username')), password: String(form.get('password')) }).catch((error: unknown) =>
      setFailure((error as { code?: string }).code ?? String(error)),
    )
  }

  return (
    <section data-status={status}>
      <h2>Session: {status}</h2>
      {status === 'signedOut' && (
        <form onSubmit={submit}>
          <input name="username" aria-label="Username" defaultValue="user1" />
          <input name="password" aria-label="Password" type="password" />
          <button type="submit">Sign in</button>
        </form>
      )}
      {status === 'signedIn' && (
        <p>
          Signed in as <output id="user">{name ?? '…'}</output>, profile loaded <output id="loads">{loads}</output>{' '}
          times.{' '}
          <button type="button" onClick={() => setRequested((n) => n + 1)}>
            Load profile
          </button>{' '}
          <button type="button" onClick={() => void logout()}>
            Sign out
          </button>
        </p>
      )}
      {failure && <p id="failure">Last failure: {failure}</p>}
    </section>
  )
}

/** "Reload" makes a new client, as a page reload would: only the (emulated) HttpOnly cookie survives. */
function App() {
  const [app, setApp] = useState(() => ({ client: createAuthClient({ baseUrl: REACT_API }), generation: 0 }))
  const [, setCounts] = useState(0)
  useEffect(() => {
    const timer = setInterval(() => setCounts((n) => n + 1), 100)
    return () => clearInterval(timer)
  }, [])
  return (
    <StrictMode>
      <AuthProvider key={app.generation} client={app.client}>
        <Profile />
      </AuthProvider>
      <p>
        <button
          type="button"
          onClick={() =>
            setApp(({ generation }) => ({
              client: createAuthClient({ baseUrl: REACT_API }),
              generation: generation + 1,
            }))
          }
        >
          Reload app
        </button>
      </p>
      <table>
        <tbody>
          <tr>
            <th>POST /login</th>
            <th>POST /refresh</th>
            <th>POST /logout</th>
            <th>GET /protected answered 401</th>
          </tr>
          <tr>
            <td>{count('/login')}</td>
            <td>{count('/refresh')}</td>
            <td>{count('/logout')}</td>
            <td>{mock.requests.filter((r) => r.route === '/protected' && r.status === 401).length}</td>
          </tr>
        </tbody>
      </table>
    </StrictMode>
  )
}

const worker = setupWorker(...mock.handlers)
window.reactReady = worker.start({ onUnhandledFrame: 'error', quiet: true }).then(() => {
  window.reactMock = {
    counts: () => ({
      refresh: count('/refresh'),
      login: count('/login'),
      logout: count('/logout'),
      refused: mock.requests.filter((r) => r.route === '/protected' && r.status === 401).length,
    }),
    advanceClock: (milliseconds) => mock.advanceClock(milliseconds),
    revokeAllSessions: () => mock.revokeAllSessions(),
  }
  const status = document.querySelector('#status')
  if (status) status.textContent = `MSW setupWorker started; the React app below talks to ${REACT_API}`
  // The shared page template's scenario table is for the other pages.
  document.querySelector('#summary')?.remove()
  const root = document.createElement('div')
  document.body.append(root)
  createRoot(root).render(<App />)
})
