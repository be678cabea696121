/**
 * The SDK under concurrency: one refresh for many callers, aborts while waiting,
 * stale 401s, and the replay of every kind of request. The replay is the SDK's
 * own, in the fetch below ky: ky's `retry` does not govern it, and ky's hooks see
 * neither the token nor the refused answer. A caller's own Authorization header is
 * left alone, and `auth.fetch` keeps a Request's options. Logout and login racing
 * a refresh are in sdk-logout.test.ts.
 */
import { HttpResponse, http } from 'msw'
import { describe, expect, it, vi } from 'vitest'
import { type AuthClient, createAuthClient } from '../src/index.ts'
import { API, answered, DEMO, installFakeClock, mockServersWithMsw } from './support/sdk.ts'
import { labelOf, recordAuthorizations, rejectionOf, summary, watchEvents } from './support/sdk-checks.ts'
import { settle, turn, withoutWaiting } from './support/time.ts'

const OTHER_ORIGIN = 'https://elsewhere.example.test'
const { mocks, server } = mockServersWithMsw({ accessTokenTtl: 60 })
const mock = mocks[0] as NonNullable<(typeof mocks)[0]>

async function loggedIn() {
  installFakeClock()
  const auth = createAuthClient({ baseUrl: API })
  await auth.login(DEMO)
  return { auth, events: watchEvents(auth), token: (await auth.getAccessToken()) as string }
}

const user = (auth: AuthClient, signal?: AbortSignal) =>
  auth.api.get('protected', signal ? { signal } : {}).json<{ user: { name: string } }>()

const authorizations = (url: string, method: 'get' | 'post' = 'get') => recordAuthorizations(server, url, method)

/**
 * `/items` answers 401 to the first token (`tokens.A`), or to every token with `always`, the first
 * such answer held until `release()`, and `{ ok: true }` otherwise. `sent` lists the Authorization headers.
 */
function items(tokens: Record<string, string | undefined>, { always = false, hold = false } = {}) {
  const sent: Array<string | null> = []
  let release = () => {}
  const gate = new Promise<void>((resolve) => {
    release = resolve
  })
  server.use(
    http.get(`${API}/items`, async ({ request }) => {
      const authorization = request.headers.get('authorization')
      sent.push(authorization)
      if (!always && authorization !== `Bearer ${tokens.A}`) return HttpResponse.json({ ok: true })
      if (hold && sent.length === 1) await gate
      return HttpResponse.json({ error: 'invalid_token' }, { status: 401 })
    }),
  )
  return { sent, release, labels: () => sent.map((header) => labelOf(header, tokens)) }
}

describe('single-flight refresh', () => {
  it('callers of every kind at expiry share one proactive refresh', async () => {
    const { auth, token } = await loggedIn()
    const arrivals = authorizations(`${API}/refresh`, 'post')
    mock.failNextRefreshes(1, { delay: 1000 })
    vi.setSystemTime(Date.now() + 61_000)
    const requests = Array.from({ length: 10 }, () => user(auth))
    const fetches = Array.from({ length: 5 }, () => auth.fetch(`${API}/protected`))
    const tokens = Array.from({ length: 3 }, () => auth.getAccessToken())
    const refreshes = Array.from({ length: 2 }, () => auth.refresh())
    await settle(() => arrivals.length === 1, 'the refresh')
    await turn()

    // Exactly the held second: longer would let the refresh time out, and count a retry.
    await vi.advanceTimersByTimeAsync(1000)
    await withoutWaiting(Promise.all([...requests, ...fetches, ...tokens, ...refreshes]))
    expect(mock.count('/refresh')).toBe(1)
    expect((await Promise.all(fetches)).map((response) => response.status)).toEqual([200, 200, 200, 200, 200])
    expect(answered(mock, 200)).toBe(15)
    const fresh = await Promise.all(tokens)
    expect(fresh.every((value) => value === fresh[0] && value !== token)).toBe(true)
  })

  it('concurrent requests answered 401 share one reactive refresh and are each replayed once', async () => {
    const { auth } = await loggedIn()
    mock.advanceClock(61_000)
    mock.failNextRefreshes(1, { delay: 1000 })
    const requests = [
      ...Array.from({ length: 10 }, () => user(auth)),
      ...Array.from({ length: 10 }, () => auth.fetch(`${API}/protected`)),
    ]
    await settle(() => answered(mock, 401) === 20, 'twenty 401 answers')
    await vi.advanceTimersByTimeAsync(1000)

    await withoutWaiting(Promise.all(requests))
    expect(mock.count('/refresh')).toBe(1)
    expect([answered(mock, 401), answered(mock, 200)]).toEqual([20, 20])
  })

  it.each(['proactive', 'reactive'])(
    'a caller aborting its wait for a %s refresh is rejected with its reason, and the others get the one refresh',
    async (kind) => {
      const { auth, events, token } = await loggedIn()
      mock.failNextRefreshes(1, { delay: 1000 })
      if (kind === 'proactive') vi.setSystemTime(Date.now() + 61_000)
      else mock.advanceClock(61_000)
      const arrivals = authorizations(`${API}/refresh`, 'post')
      const controller = new AbortController()
      const reason = new Error('the user left the page')
      const first = user(auth)
      let abortedWith: unknown
      const aborted = rejectionOf(user(auth, controller.signal)).then((error) => {
        abortedWith = error
      })
      const last = user(auth)
      await settle(
        () => arrivals.length === 1 && mock.count('/protected') === (kind === 'reactive' ? 3 : 0),
        'the refresh',
      )

      controller.abort(reason)
      await settle(() => abortedWith !== undefined, 'the aborted caller')
      await aborted
      expect(abortedWith === reason).toBe(true)
      expect(mock.count('/refresh')).toBe(0)

      await vi.advanceTimersByTimeAsync(1000)
      expect((await withoutWaiting(Promise.all([first, last]))).map((answer) => answer.user.name)).toEqual([
        'user1',
        'user1',
      ])
      expect(mock.requests.filter((request) => request.route === '/refresh').map((request) => request.status)).toEqual([
        200,
      ])
      expect(answered(mock, 200)).toBe(2)
      expect((await auth.getAccessToken()) !== token).toBe(true)
      await turn()
      expect(events.refreshed).toBe(1)
    },
  )
})

describe('stale 401', () => {
  it('a 401 to a request sent with an older token is replayed with the current one, without a second refresh', async () => {
    const { auth, token } = await loggedIn()
    const tokens: Record<string, string | undefined> = { A: token }
    const { sent, release, labels } = items(tokens, { hold: true })
    const stale = auth.api.get('items').json()
    await settle(() => sent.length === 1, 'the request with token A')

    await auth.refresh()
    tokens.B = await auth.getAccessToken()
    release()
    expect(await withoutWaiting(stale)).toEqual({ ok: true })
    expect(labels()).toEqual(['A', 'B'])
    expect(mock.count('/refresh')).toBe(1)
  })

  it('a replayed request answered 401 again reaches the caller as an HTTPError, after one replay', async () => {
    const { auth, token } = await loggedIn()
    const tokens: Record<string, string | undefined> = { A: token }
    const { labels } = items(tokens, { always: true })
    const refused = auth.api.get('items').json()
    expect(summary(await withoutWaiting(rejectionOf(refused)))).toEqual({ name: 'HTTPError', status: 401 })
    tokens.B = await auth.getAccessToken()
    expect(labels()).toEqual(['A', 'B'])
    expect(mock.count('/refresh')).toBe(1)

    // The fetch face answers like fetch: the second 401 comes back as a response.
    const response = await withoutWaiting(auth.fetch(`${API}/items`))
    tokens.C = await auth.getAccessToken()
    expect(response.status).toBe(401)
    expect(labels()).toEqual(['A', 'B', 'B', 'C'])
    expect(mock.count('/refresh')).toBe(2)
  })

  it('a 401 from an origin that is not allowed is neither refreshed nor replayed, and carried no token', async () => {
    const { auth } = await loggedIn()
    const sent: Array<string | null> = []
    server.use(
      http.get(`${OTHER_ORIGIN}/items`, ({ request }) => {
        sent.push(request.headers.get('authorization'))
        return new HttpResponse(null, { status: 401 })
      }),
    )
    expect(summary(await withoutWaiting(rejectionOf(auth.api.get(`${OTHER_ORIGIN}/items`))))).toEqual({
      name: 'HTTPError',
      status: 401,
    })
    expect(sent).toEqual([null])
    expect(mock.count('/refresh')).toBe(0)
  })
})

describe('the replay', () => {
  const json = JSON.stringify({ name: 'widget', tags: ['a', 'b'] })
  const headers = { 'x-request-id': '7' }
  it.each<[string, (auth: AuthClient) => Promise<Response>, string]>([
    ['GET', (auth) => auth.api.get('items', { headers }), ''],
    ['POST with a JSON body', (auth) => auth.api.post('items', { json: JSON.parse(json), headers }), json],
    ['PATCH with a JSON body', (auth) => auth.api.patch('items', { json: JSON.parse(json), headers }), json],
    ['PUT', (auth) => auth.api.put('items', { body: 'plain text', headers }), 'plain text'],
    ['DELETE', (auth) => auth.api.delete('items', { headers }), ''],
    [
      'auth.fetch of a Request with a body',
      (auth) =>
        auth.fetch(
          new Request(`${API}/items`, {
            method: 'POST',
            body: json,
            headers: { ...headers, 'content-type': 'application/json' },
          }),
        ),
      json,
    ],
  ])('of %s sends the identical request with the new token, at once', async (_, send, sentBody) => {
    const { auth, token } = await loggedIn()
    const tokens: Record<string, string | undefined> = { A: token }
    const sent: Array<string | null> = []
    const received: Array<Record<string, string | null>> = []
    server.use(
      http.all(`${API}/items`, async ({ request }) => {
        const authorization = request.headers.get('authorization')
        const seen = {
          method: request.method,
          body: await request.text(),
          type: request.headers.get('content-type'),
          id: request.headers.get('x-request-id'),
        }
        sent.push(authorization)
        received.push(seen)
        return authorization === `Bearer ${token}` ? new HttpResponse(null, { status: 401 }) : HttpResponse.json(seen)
      }),
    )

    const response = await withoutWaiting(send(auth))
    tokens.B = await auth.getAccessToken()
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ body: sentBody, id: '7' })
    expect(sent.map((header) => labelOf(header, tokens))).toEqual(['A', 'B'])
    expect(received).toHaveLength(2)
    expect(received[1]).toEqual(received[0])
    expect(mock.count('/refresh')).toBe(1)
  })

  it.each<[string, number, readonly number[] | undefined, boolean]>([
    ['is not made for a 403 by default', 403, undefined, false],
    ['is not made for a 500 by default', 500, undefined, false],
    ['is made, after one refresh, for a 403 with refreshOn [401, 403]', 403, [401, 403], true],
  ])('%s', async (_, status, refreshOn, replayed) => {
    installFakeClock()
    const auth = createAuthClient({ baseUrl: API, ...(refreshOn && { refreshOn }) })
    await auth.login(DEMO)
    const token = await auth.getAccessToken()
    let calls = 0
    server.use(
      http.get(`${API}/items`, ({ request }) => {
        calls++
        const first = request.headers.get('authorization') === `Bearer ${token}`
        return first ? new HttpResponse(null, { status }) : HttpResponse.json({ ok: true })
      }),
    )
    // The fetch face: no retry of its own, so only the replay can send the request twice.
    const response = await withoutWaiting(auth.fetch(`${API}/items`))
    expect([response.status, calls, mock.count('/refresh')]).toEqual(replayed ? [200, 2, 1] : [status, 1, 0])
  })

  it.each<[string, (auth: AuthClient) => Promise<unknown>]>([
    ['a call with retry: 0', (auth) => auth.api.get('items', { retry: 0 }).json()],
    ['an instance extended with retry: 0', (auth) => auth.api.extend({ retry: 0 }).get('items').json()],
  ])("is the SDK's own, not one of ky's retries, so %s still gets the one replay", async (_, send) => {
    const { auth, token } = await loggedIn()
    const tokens: Record<string, string | undefined> = { A: token }
    const { labels } = items(tokens)
    expect(await withoutWaiting(send(auth))).toEqual({ ok: true })
    tokens.B = await auth.getAccessToken()
    expect(labels()).toEqual(['A', 'B'])
    expect(mock.count('/refresh')).toBe(1)
  })

  it('of POST with a JSON body and retry: 0 sends the same body once more, with the new token', async () => {
    const { auth, token } = await loggedIn()
    const tokens: Record<string, string | undefined> = { A: token }
    const received: Array<{ authorization: string | null; type: string | null; body: string }> = []
    server.use(
      http.post(`${API}/items`, async ({ request }) => {
        const authorization = request.headers.get('authorization')
        received.push({ authorization, type: request.headers.get('content-type'), body: await request.text() })
        return authorization === `Bearer ${token}`
          ? new HttpResponse(null, { status: 401 })
          : HttpResponse.json({ ok: true })
      }),
    )
    const payload = { name: 'widget', tags: ['a', 'b'] }
    expect(await withoutWaiting(auth.api.post('items', { json: payload, retry: 0 }).json())).toEqual({ ok: true })
    tokens.B = await auth.getAccessToken()
    expect(received.map(({ authorization }) => labelOf(authorization, tokens))).toEqual(['A', 'B'])
    expect(received.map(({ type, body }) => [type, body])).toEqual([
      ['application/json', JSON.stringify(payload)],
      ['application/json', JSON.stringify(payload)],
    ])
    expect(mock.count('/refresh')).toBe(1)
  })

  it("is made under retry: { limit: 1, shouldRetry: () => false }, which still turns off ky's own retries", async () => {
    const { auth, token } = await loggedIn()
    const tokens: Record<string, string | undefined> = { A: token }
    const sent: Array<string | null> = []
    server.use(
      http.post(`${API}/items`, ({ request }) => {
        sent.push(request.headers.get('authorization'))
        return sent.length === 1 ? new HttpResponse(null, { status: 401 }) : HttpResponse.json({ ok: true })
      }),
      http.get(`${API}/busy`, () => {
        sent.push('busy')
        return new HttpResponse(null, { status: 503 })
      }),
    )
    const replayOnly = auth.api.extend({ retry: { limit: 1, shouldRetry: () => false } })
    expect(await withoutWaiting(replayOnly.post('items', { json: { a: 1 } }).json())).toEqual({ ok: true })
    tokens.B = await auth.getAccessToken()
    expect(sent.map((header) => labelOf(header, tokens))).toEqual(['A', 'B'])
    expect(mock.count('/refresh')).toBe(1)
    // A GET answered 503 is not retried (by default ky would retry it twice).
    expect(summary(await withoutWaiting(rejectionOf(replayOnly.get('busy'))))).toEqual({
      name: 'HTTPError',
      status: 503,
    })
    expect(sent.slice(2)).toEqual(['busy'])
  })

  it("is made for each of ky's attempts: a 401 after ky retried a 503 is replayed once, after one refresh", async () => {
    const { auth, token } = await loggedIn()
    const tokens: Record<string, string | undefined> = { A: token }
    const answers: Array<[number, string | null]> = []
    server.use(
      http.get(`${API}/items`, ({ request }) => {
        const authorization = request.headers.get('authorization')
        const status = answers.length === 0 ? 503 : authorization === `Bearer ${token}` ? 401 : 200
        answers.push([status, authorization])
        return status === 200 ? HttpResponse.json({ ok: true }) : new HttpResponse(null, { status })
      }),
    )
    const result = auth.api.get('items').json()
    await settle(() => answers.length === 1, 'the 503')
    // ky's first retry waits 0.3 s; the replay below it waits for nothing but the refresh.
    await vi.advanceTimersByTimeAsync(300)
    expect(await withoutWaiting(result)).toEqual({ ok: true })
    tokens.B = await auth.getAccessToken()
    expect(answers.map(([status, header]) => [status, labelOf(header, tokens)])).toEqual([
      [503, 'A'],
      [401, 'A'],
      [200, 'B'],
    ])
    expect(mock.count('/refresh')).toBe(1)
  })

  it("leaves ky's other retries as they were: a GET answered 503 then 200 is retried by ky, with the token", async () => {
    const { auth, token } = await loggedIn()
    const tokens: Record<string, string | undefined> = { A: token }
    const answers: Array<[number, string | null]> = []
    server.use(
      http.get(`${API}/items`, ({ request }) => {
        const status = answers.length === 0 ? 503 : 200
        answers.push([status, request.headers.get('authorization')])
        return status === 200 ? HttpResponse.json({ ok: true }) : new HttpResponse(null, { status })
      }),
    )
    const result = auth.api.get('items').json()
    await settle(() => answers.length === 1, 'the 503')
    // Not before ky's backoff: its first retry waits 0.3 s.
    await vi.advanceTimersByTimeAsync(299)
    await turn()
    expect(answers).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(1)
    expect(await withoutWaiting(result)).toEqual({ ok: true })
    expect(answers.map(([status, header]) => [status, labelOf(header, tokens)])).toEqual([
      [503, 'A'],
      [200, 'A'],
    ])
    expect(mock.count('/refresh')).toBe(0)
  })

  it.each([
    ['by default', {}],
    ['with retry: 5', { retry: 5 }],
  ])(
    'is made once %s for an endpoint that always answers 401: one refresh, two requests, then an HTTPError',
    async (_, options) => {
      const { auth, token } = await loggedIn()
      const tokens: Record<string, string | undefined> = { A: token }
      const { labels } = items(tokens, { always: true })
      const refused = rejectionOf(auth.api.get('items', options).json())
      expect(summary(await withoutWaiting(refused))).toEqual({ name: 'HTTPError', status: 401 })
      tokens.B = await auth.getAccessToken()
      expect(labels()).toEqual(['A', 'B'])
      expect(mock.count('/refresh')).toBe(1)
    },
  )

  it("happens below ky: its hooks never see the token, beforeRetry never runs, afterResponse sees the replay's answer only", async () => {
    const { auth, token } = await loggedIn()
    const tokens: Record<string, string | undefined> = { A: token }
    const { labels } = items(tokens)
    const requests: Array<string | null> = []
    const retries: number[] = []
    const responses: Array<{ status: number; retryCount: number; authorization: string | null }> = []
    const api = auth.api.extend({
      hooks: {
        beforeRequest: [
          ({ request }) => {
            requests.push(request.headers.get('authorization'))
          },
        ],
        beforeRetry: [
          ({ retryCount }) => {
            retries.push(retryCount)
          },
        ],
        afterResponse: [
          ({ request, response, retryCount }) => {
            responses.push({ status: response.status, retryCount, authorization: request.headers.get('authorization') })
          },
        ],
      },
    })

    expect(await withoutWaiting(api.get('items').json())).toEqual({ ok: true })
    tokens.B = await auth.getAccessToken()
    // The replay did happen, after one refresh...
    expect(labels()).toEqual(['A', 'B'])
    expect(mock.count('/refresh')).toBe(1)
    // ...but ky saw one attempt, without the token, answered by the replay.
    expect(requests).toEqual([null])
    expect(retries).toEqual([])
    expect(responses).toEqual([{ status: 200, retryCount: 0, authorization: null }])
  })
})

describe("a caller's own Authorization header", () => {
  it.each<[string, (auth: AuthClient, authorization: string) => Promise<number>]>([
    [
      'auth.api',
      async (auth, authorization) => {
        const error = await rejectionOf(auth.api.get('items', { headers: { authorization } }))
        return (summary(error) as { status: number }).status
      },
    ],
    [
      'auth.fetch',
      async (auth, authorization) => (await auth.fetch(`${API}/items`, { headers: { authorization } })).status,
    ],
  ])('is sent as is through %s, and its 401 triggers no refresh and no replay', async (_, send) => {
    const { auth, token } = await loggedIn()
    const sent: Array<string | null> = []
    server.use(
      http.get(`${API}/items`, ({ request }) => {
        sent.push(request.headers.get('authorization'))
        return new HttpResponse(null, { status: 401 })
      }),
    )
    const own = 'Bearer a-token-the-caller-chose'
    expect(await withoutWaiting(send(auth, own))).toBe(401)
    expect(sent).toEqual([own])
    expect(mock.count('/refresh')).toBe(0)
    expect((await auth.getAccessToken()) === token).toBe(true)
  })
})

describe('auth.fetch and fetch semantics', () => {
  it("passes a Request's cache, referrerPolicy, integrity and keepalive to the fetch, on the first send and the replay", async () => {
    installFakeClock()
    const seen: Array<
      Pick<Request, 'cache' | 'referrerPolicy' | 'integrity' | 'keepalive'> & { token: string | null }
    > = []
    let first: string | undefined
    const capture = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      // Read as received: Node's `new Request(request)` itself resets `referrerPolicy` (undici).
      const request = input instanceof Request && init === undefined ? input : new Request(input, init)
      if (new URL(request.url).pathname !== '/items') return globalThis.fetch(request)
      const { cache, referrerPolicy, integrity, keepalive } = request
      const token = request.headers.get('authorization')
      seen.push({ cache, referrerPolicy, integrity, keepalive, token })
      first ??= token ?? undefined
      return token === first ? new Response(null, { status: 401 }) : Response.json({ ok: true })
    }
    const auth = createAuthClient({ baseUrl: API, fetch: capture })
    await auth.login(DEMO)
    const tokens: Record<string, string | undefined> = { A: await auth.getAccessToken() }
    const options = {
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      integrity: 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
      keepalive: true,
    } as const
    const response = await withoutWaiting(auth.fetch(new Request(`${API}/items`, options)))
    tokens.B = await auth.getAccessToken()
    expect(response.status).toBe(200)
    expect(seen.map(({ token, ...rest }) => [labelOf(token, tokens), rest])).toEqual([
      ['A', options],
      ['B', options],
    ])
    expect(mock.count('/refresh')).toBe(1)
  })
})
