/**
 * The Bearer token goes to `baseUrl`'s origin and the `allowedOrigins` only,
 * whatever shape the URL takes. Every request lands on an MSW catch-all that
 * records whether it carried an Authorization header (never the header itself).
 */
import { HttpResponse, http } from 'msw'
import { beforeEach, describe, expect, it } from 'vitest'
import { type AuthClient, createAuthClient } from '../src/index.ts'
import { API, DEMO, mockServersWithMsw } from './support/sdk.ts'

const {
  mocks: [mock],
  server,
} = mockServersWithMsw({})

/** Configured with odd case and a trailing slash: the SDK must compare normalized origins. */
const FILES = 'https://FILES.example.test/'

/** Everything but the mock's auth routes, each answered by a recorder (`server.use` takes precedence). */
const RECORDED = [
  `${API}/files`,
  'https://files.example.test',
  'https://api.example.test:8443',
  'http://api.example.test',
  'https://evil.test',
  'https://sub.api.example.test',
  'https://example.test',
  'https://api.example.test.evil.test',
  'https://api.example.test.',
]

interface Received {
  readonly url: string
  /** Whether an Authorization header arrived at all. */
  readonly authorized: boolean
  /** Whether it was exactly `Bearer <the client's current token>`. */
  readonly bearerIsCurrent: boolean
}

let received: Received[] = []
let currentToken: string | undefined

beforeEach(() => {
  received = []
  server.use(
    ...RECORDED.map((prefix) =>
      http.all(`${prefix}/*`, ({ request }) => {
        const header = request.headers.get('authorization')
        received.push({
          url: request.url,
          authorized: header !== null,
          bearerIsCurrent: currentToken !== undefined && header === `Bearer ${currentToken}`,
        })
        return HttpResponse.json({ ok: true })
      }),
    ),
  )
})

async function loggedIn(): Promise<AuthClient> {
  const auth = createAuthClient({ baseUrl: API, allowedOrigins: [FILES] })
  await auth.login(DEMO)
  currentToken = await auth.getAccessToken()
  expect(currentToken).toBeTypeOf('string')
  return auth
}

type Input = string | URL | (() => Request)

interface Row {
  readonly what: string
  readonly input: Input
  /** Where the request must land. */
  readonly lands: string
  readonly token: boolean
}

const rows: Row[] = [
  { what: 'a path under baseUrl', input: 'files/report.txt', lands: `${API}/files/report.txt`, token: true },
  {
    what: 'a path with a query',
    input: 'files/report.txt?download=1&next=https://evil.test/',
    lands: `${API}/files/report.txt?download=1&next=https://evil.test/`,
    token: true,
  },
  { what: 'an absolute URL to baseUrl', input: `${API}/files/a`, lands: `${API}/files/a`, token: true },
  { what: 'the host in upper case', input: 'HTTPS://API.EXAMPLE.TEST/files/a', lands: `${API}/files/a`, token: true },
  {
    what: 'the default port spelled out',
    input: 'https://api.example.test:443/files/a',
    lands: `${API}/files/a`,
    token: true,
  },
  { what: 'a URL object to baseUrl', input: new URL(`${API}/files/u`), lands: `${API}/files/u`, token: true },
  { what: 'a Request to baseUrl', input: () => new Request(`${API}/files/r`), lands: `${API}/files/r`, token: true },
  {
    what: 'an allowed extra origin',
    input: 'https://files.example.test/x',
    lands: 'https://files.example.test/x',
    token: true,
  },
  {
    what: 'the allowed origin in mixed case',
    input: 'https://Files.Example.TEST/x',
    lands: 'https://files.example.test/x',
    token: true,
  },
  {
    what: 'another port',
    input: 'https://api.example.test:8443/x',
    lands: 'https://api.example.test:8443/x',
    token: false,
  },
  {
    what: 'http instead of https',
    input: 'http://api.example.test/x',
    lands: 'http://api.example.test/x',
    token: false,
  },
  { what: 'another host', input: 'https://evil.test/x', lands: 'https://evil.test/x', token: false },
  {
    what: 'a subdomain',
    input: 'https://sub.api.example.test/x',
    lands: 'https://sub.api.example.test/x',
    token: false,
  },
  { what: 'the parent domain', input: 'https://example.test/x', lands: 'https://example.test/x', token: false },
  {
    what: 'a look-alike host that starts with the API host',
    input: 'https://api.example.test.evil.test/x',
    lands: 'https://api.example.test.evil.test/x',
    token: false,
  },
  {
    what: 'the host as a fully qualified name with a trailing dot',
    input: 'https://api.example.test./x',
    lands: 'https://api.example.test./x',
    token: false,
  },
  {
    what: 'a protocol-relative URL (resolved against baseUrl)',
    input: '//evil.test/x',
    lands: 'https://evil.test/x',
    token: false,
  },
  {
    what: 'a URL object to another host',
    input: new URL('https://evil.test/u'),
    lands: 'https://evil.test/u',
    token: false,
  },
  {
    what: 'a Request to another host',
    input: () => new Request('https://evil.test/r'),
    lands: 'https://evil.test/r',
    token: false,
  },
]

// Async wrappers: ky throws synchronously for a URL it cannot build a Request from.
const faces = {
  'auth.api': async (auth: AuthClient, input: string | URL | Request) => auth.api(input).json(),
  'auth.fetch': async (auth: AuthClient, input: string | URL | Request) => (await auth.fetch(input)).json(),
} as const

describe.each(Object.keys(faces) as Array<keyof typeof faces>)('through %s', (face) => {
  it.each(rows)('$what: token sent = $token', async ({ input, lands, token }) => {
    const auth = await loggedIn()
    const body = await faces[face](auth, typeof input === 'function' ? input() : input)
    expect(body).toEqual({ ok: true })
    expect(received).toEqual([{ url: lands, authorized: token, bearerIsCurrent: token }])
  })

  it('refuses a URL with credentials that points elsewhere (https://api.example.test@evil.test): nothing is sent', async () => {
    const auth = await loggedIn()
    // The host is evil.test; the runtime refuses URLs with credentials before anything leaves.
    await expect(faces[face](auth, 'https://api.example.test@evil.test/x')).rejects.toThrow(TypeError)
    expect(received).toEqual([])
  })
})

describe('what the origin check does not do', () => {
  it('a 401 from another origin does not trigger a refresh', async () => {
    const auth = await loggedIn()
    server.use(http.get('https://evil.test/denied', () => HttpResponse.json({}, { status: 401 })))
    const response = await auth.fetch('https://evil.test/denied')
    expect(response.status).toBe(401)
    expect(mock?.count('/refresh')).toBe(0)
  })

  it('does not remove an Authorization header the caller set for another origin', async () => {
    const auth = await loggedIn()
    // The SDK only adds its own token; a header the caller chose is the caller's business.
    await auth.fetch('https://evil.test/own', { headers: { authorization: 'Basic dXNlcjpwYXNz' } })
    expect(received).toEqual([{ url: 'https://evil.test/own', authorized: true, bearerIsCurrent: false }])
  })
})
