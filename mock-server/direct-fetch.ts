/**
 * A `fetch` that hands the auth routes' requests straight to a test kit, without MSW. Nothing is intercepted,
 * so nothing is kept per request: MSW 3 in Node retains about 51 KB per intercepted request
 * (mswjs/msw#2735), which a long test run through the handlers pays. It keeps fetch's contract: a dropped
 * connection rejects with a `TypeError`, an aborted signal rejects with its reason.
 */
import type { CookieJar } from './cookie-jar.ts'
import { type AuthRoute, ROUTES, type TestKit } from './test-kit.ts'

/** The fetch signature, spelled out so that it type-checks in every runtime's lib. */
export type FetchFunction = (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>

/** `METHOD url` of every route under `base` (`origin` plus `basePath`), to its route. */
function routeTable(base: string): Map<string, AuthRoute> {
  return new Map(ROUTES.map(([method, route]) => [`${method.toUpperCase()} ${base}${route}`, route]))
}

/**
 * `work()`, or the signal's reason as soon as it is aborted: at once, sending nothing, when it already is; else the
 * server may still finish, as a real one would.
 */
async function untilAborted<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
  signal.throwIfAborted()
  let onAbort = () => {}
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason)
  })
  signal.addEventListener('abort', onAbort, { once: true })
  try {
    return await Promise.race([work(), aborted])
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
}

/**
 * @param base The routes' origin and path prefix, e.g. `https://api.example.com/auth`.
 * @returns A fetch answering the auth routes from `kit`, with `jar` as the browser's cookie jar; any other
 *   request goes to `globalThis.fetch`, read at call time (so MSW or a stub installed later still apply).
 */
export function createDirectFetch(kit: TestKit, jar: CookieJar, base: string): FetchFunction {
  const routes = routeTable(base)

  async function answer(route: AuthRoute, request: Request): Promise<Response> {
    const response = await kit.answer(route, request, {
      cookies: { read: () => jar.header(request), write: (setCookie) => jar.store(setCookie, request) },
      networkError: () => Response.error(),
    })
    // A network error is a rejection in fetch, never an answer (undici says "fetch failed").
    if (response.type === 'error') throw new TypeError('fetch failed')
    return response
  }

  return async (input, init) => {
    const request = new Request(input, init)
    const url = new URL(request.url)
    const route = routes.get(`${request.method} ${url.origin}${url.pathname}`)
    if (route === undefined) return globalThis.fetch(request)
    return untilAborted(request.signal, () => answer(route, request))
  }
}
