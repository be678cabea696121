/**
 * The browser's cookie jar, emulated for one origin, so that the MSW handlers
 * keep the HttpOnly refresh cookie where no real jar exists: Node's fetch has
 * none, and in a browser a mocked request or response can carry no cookie
 * header at all (`Cookie` and `Set-Cookie` are forbidden header names there).
 */

export interface CookieJar {
  /** Stores the cookie of one `Set-Cookie` header value answered to `request`, if its credentials mode lets it. */
  store(setCookie: string, request: Request): void
  /** The `Cookie` header a browser would send with `request`, if any. */
  header(request: Request): string | undefined
  /** The value of a stored, unexpired cookie. */
  get(name: string): string | undefined
  clear(): void
}

interface StoredCookie {
  readonly value: string
  readonly path: string
  readonly secure: boolean
  /** Milliseconds on the jar's clock; `undefined` for a session cookie. */
  readonly expiresAt: number | undefined
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/

/** The attributes the jar acts on; `Max-Age` wins over `Expires`, as RFC 6265 §5.3 says. */
function attributesOf(attributes: readonly string[], nowMs: number): Omit<StoredCookie, 'value'> {
  let path = '/'
  let secure = false
  let maxAgeExpiry: number | undefined
  let expires: number | undefined
  for (const attribute of attributes) {
    const [key = '', value = ''] = attribute.split('=')
    const name = key.toLowerCase()
    if (name === 'path') path = value || '/'
    else if (name === 'secure') secure = true
    else if (name === 'max-age') maxAgeExpiry = nowMs + Number(value) * 1000
    else if (name === 'expires') expires = Date.parse(value)
  }
  return { path, secure, expiresAt: maxAgeExpiry ?? expires }
}

/** One `Set-Cookie` value as a named cookie, or `undefined` when it has no `name=`. */
function parseSetCookie(setCookie: string, nowMs: number): { name: string; cookie: StoredCookie } | undefined {
  const [pair = '', ...attributes] = setCookie.split(';').map((part) => part.trim())
  const separator = pair.indexOf('=')
  if (separator < 1) return undefined
  return {
    name: pair.slice(0, separator),
    cookie: { value: pair.slice(separator + 1), ...attributesOf(attributes, nowMs) },
  }
}

/**
 * @param pageOrigin The origin of the page making requests, when known (in a
 *   browser). Requests with `credentials: 'same-origin'` carry cookies only to
 *   it. MSW in Node rebuilds requests from the socket and always reports
 *   `'same-origin'`, so without a page origin such requests carry cookies.
 */
export function createCookieJar(now: () => number, pageOrigin: string | undefined): CookieJar {
  const cookies = new Map<string, StoredCookie>()

  const live = (name: string) => {
    const cookie = cookies.get(name)
    if (cookie?.expiresAt !== undefined && cookie.expiresAt <= now()) {
      cookies.delete(name)
      return undefined
    }
    return cookie
  }

  // Fetch's "includeCredentials": the same rule decides whether a request sends cookies and whether its answer sets them.
  const includesCredentials = (request: Request) =>
    request.credentials === 'include' ||
    (request.credentials === 'same-origin' && (pageOrigin === undefined || pageOrigin === new URL(request.url).origin))

  return {
    store(setCookie, request) {
      if (!includesCredentials(request)) return
      const parsed = parseSetCookie(setCookie, now())
      if (!parsed) return
      if (parsed.cookie.expiresAt !== undefined && !(parsed.cookie.expiresAt > now())) cookies.delete(parsed.name)
      else cookies.set(parsed.name, parsed.cookie)
    },

    header(request) {
      const url = new URL(request.url)
      if (!includesCredentials(request)) return undefined
      const pairs: string[] = []
      for (const name of cookies.keys()) {
        const cookie = live(name)
        if (!cookie || !url.pathname.startsWith(cookie.path)) continue
        // Browsers send Secure cookies over https, and over http to loopback hosts.
        if (cookie.secure && url.protocol !== 'https:' && !LOOPBACK.test(url.hostname)) continue
        pairs.push(`${name}=${cookie.value}`)
      }
      return pairs.length > 0 ? pairs.join('; ') : undefined
    },

    get: (name) => live(name)?.value,
    clear: () => cookies.clear(),
  }
}
