/**
 * The `fetch` the demo gives the client: it records every request the client makes (method, path, status,
 * milliseconds; never a header or a body), and carries two DEMO-ONLY switches: "offline" (it throws as a
 * browser's fetch does without a network, and `navigator.onLine` reads false) and "spoil the next token"
 * (the next request's Bearer token is altered, so the API answers 401 as it would after a key rotation).
 */

/** One request of the client, as the log shows it. */
export interface RequestRecord {
  readonly method: string
  /** The path relative to the API, such as `/refresh`. */
  readonly path: string
  /** The answer's status; `undefined` when the request failed without one. */
  readonly status: number | undefined
  readonly ms: number
  readonly detail: string
}

/** Who hears of the client's requests: before each goes out, and once it is answered or failed. */
export interface NetworkWatcher {
  sending(method: string, path: string): void
  answered(record: RequestRecord): void
}

export interface DemoNetwork {
  /** The `fetch` option of the client. */
  readonly fetch: typeof fetch
  readonly isOffline: () => boolean
  /** Goes offline or back online, with the `offline` / `online` event a browser dispatches. */
  setOffline(offline: boolean): void
  /** The next request that carries a token sends an altered one. */
  spoilNextToken(): void
}

/** The token with its signature altered: still a JWT, no longer valid. */
const spoiled = (token: string) => `${token.slice(0, -6)}${token.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA'}`

const failureOf = (error: unknown) =>
  error instanceof Error ? `${error.name}: ${error.message}` : 'the request failed without an error'

export function createDemoNetwork(apiBase: URL, realNow: () => number, watcher: NetworkWatcher): DemoNetwork {
  let offline = false
  let spoilNext = false
  Object.defineProperty(navigator, 'onLine', { configurable: true, get: () => !offline })

  const pathOf = (url: string) => `/${new URL(url).pathname.slice(apiBase.pathname.length)}`

  /** The request as it goes out: with its token spoiled, once, when asked for. */
  const outgoing = (request: Request): { request: Request; detail: string } => {
    const authorization = request.headers.get('authorization')
    if (!spoilNext || authorization === null) return { request, detail: '' }
    spoilNext = false
    const headers = new Headers(request.headers)
    headers.set('authorization', spoiled(authorization))
    return { request: new Request(request, { headers }), detail: 'token spoiled on purpose' }
  }

  const clientFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const { request, detail } = outgoing(input instanceof Request && !init ? input : new Request(input, init))
    const method = request.method
    const path = pathOf(request.url)
    const started = realNow()
    watcher.sending(method, path)
    const answered = (status: number | undefined, text: string) =>
      watcher.answered({ method, path, status, ms: Math.round(realNow() - started), detail: text })
    if (offline) {
      answered(undefined, 'offline (demo): fetch threw')
      throw new TypeError('Failed to fetch')
    }
    try {
      const response = await fetch(request)
      answered(response.status, detail)
      return response
    } catch (error) {
      answered(undefined, failureOf(error))
      throw error
    }
  }

  return {
    fetch: clientFetch,
    isOffline: () => offline,
    setOffline(value) {
      if (offline === value) return
      offline = value
      window.dispatchEvent(new Event(value ? 'offline' : 'online'))
    },
    spoilNextToken() {
      spoilNext = true
    },
  }
}
