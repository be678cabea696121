/**
 * Redirects, over real HTTP (no MSW, which does not follow redirects like a
 * runtime does): the API (server A) redirects to another origin (server B,
 * another port on 127.0.0.1). The token must not reach B.
 *
 * What carries this guarantee is the runtime: Node's fetch (undici), like
 * browsers, follows the Fetch standard and drops `Authorization` when a
 * redirect crosses origins, and keeps it on a same-origin redirect. The SDK
 * attaches the token once, to the request it was asked to send, before fetch
 * follows any redirect. These tests pin both facts down. When B is an allowed
 * origin and answers 401 for want of the dropped token, a GET is sent once more
 * to B itself, with the token, and nothing is refreshed.
 *
 * The same real servers show that a network failure (a closed port) reaches
 * `auth.fetch`'s caller as fetch's own TypeError.
 */
import { createHmac } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { type AuthClient, createAuthClient } from '../src/index.ts'

/** Test-only key: these tokens are never verified by the SDK, only decoded. */
const KEY = 'redirect-test-key-not-a-secret-0123456789'

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url')

function signToken(claims: Record<string, unknown>): string {
  const head = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`
  return `${head}.${createHmac('sha256', KEY).update(head).digest('base64url')}`
}

interface Seen {
  readonly server: 'A' | 'B'
  readonly method: string
  readonly path: string
  readonly authorized: boolean
  /** The header was exactly `Bearer <the token A issued last>`. */
  readonly bearerIsIssued: boolean
  readonly body: string
}

let seen: Seen[] = []
let issued: string | undefined
/** How B answers; 200 unless a test says otherwise. */
let statusOfB = 200
/** B answers 401 to a request without the token A issued last (and `statusOfB` to one with it). */
let bRequiresToken = false
let refreshes = 0

const readBody = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    let body = ''
    request.setEncoding('utf8')
    request.on('data', (chunk: string) => {
      body += chunk
    })
    request.on('end', () => resolve(body))
    request.on('error', reject)
  })

function record(server: 'A' | 'B', request: IncomingMessage, body: string): void {
  const header = request.headers.authorization
  seen.push({
    server,
    method: request.method ?? '',
    path: request.url ?? '',
    authorized: header !== undefined,
    bearerIsIssued: issued !== undefined && header === `Bearer ${issued}`,
    body,
  })
}

const json = (response: ServerResponse, status: number, value: unknown) => {
  response.writeHead(status, { 'content-type': 'application/json' })
  response.end(JSON.stringify(value))
}

function issue(response: ServerResponse): void {
  const now = Math.floor(Date.now() / 1000)
  issued = signToken({ sub: '1', name: 'user1', iat: now, exp: now + 900 })
  json(response, 200, { accessToken: issued })
}

let originA = ''
let originB = ''

const serverB = createServer(async (request, response) => {
  record('B', request, await readBody(request))
  const refused = bRequiresToken && request.headers.authorization !== `Bearer ${issued}`
  json(response, refused ? 401 : statusOfB, { server: 'B' })
})

const serverA = createServer(async (request, response) => {
  const body = await readBody(request)
  const path = request.url ?? ''
  if (path === '/login') return issue(response)
  if (path === '/refresh') {
    refreshes++
    return issue(response)
  }
  record('A', request, body)
  const redirect = /^\/go\/(\d{3})\/(cross|same)$/.exec(path)
  if (redirect) {
    const [, status, where] = redirect
    response.writeHead(Number(status), { location: where === 'cross' ? `${originB}/landing` : '/landing' })
    return response.end()
  }
  json(response, 200, { server: 'A' })
})

const listen = (server: Server) =>
  new Promise<string>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  })

const close = (server: Server) =>
  new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()))
    server.closeAllConnections()
  })

beforeAll(async () => {
  ;[originA, originB] = await Promise.all([listen(serverA), listen(serverB)])
})
afterAll(() => Promise.all([close(serverA), close(serverB)]))
beforeEach(() => {
  seen = []
  issued = undefined
  statusOfB = 200
  bRequiresToken = false
  refreshes = 0
})

async function loggedIn(allowedOrigins: string[] = []): Promise<AuthClient> {
  const auth = createAuthClient({ baseUrl: originA, allowedOrigins })
  await auth.login({ username: 'user1', password: 'password123' })
  expect(issued).toBeTypeOf('string')
  return auth
}

const faces = {
  'auth.api': async (auth: AuthClient, path: string, init?: { method: string; json: unknown }) =>
    (await auth.api(path, init)).json(),
  'auth.fetch': async (auth: AuthClient, path: string, init?: { method: string; json: unknown }) =>
    (
      await auth.fetch(
        path,
        init && {
          method: init.method,
          body: JSON.stringify(init.json),
          headers: { 'content-type': 'application/json' },
        },
      )
    ).json(),
} as const

describe.each(Object.keys(faces) as Array<keyof typeof faces>)('redirects through %s', (face) => {
  const send = faces[face]

  it('a 302 to another origin does not carry the token there', async () => {
    const auth = await loggedIn()
    expect(await send(auth, 'go/302/cross')).toEqual({ server: 'B' })
    expect(seen).toEqual([
      { server: 'A', method: 'GET', path: '/go/302/cross', authorized: true, bearerIsIssued: true, body: '' },
      { server: 'B', method: 'GET', path: '/landing', authorized: false, bearerIsIssued: false, body: '' },
    ])
  })

  it('a 307 to another origin re-sends the POST body but not the token', async () => {
    const auth = await loggedIn()
    const payload = { item: 'milk', quantity: 2 }
    expect(await send(auth, 'go/307/cross', { method: 'POST', json: payload })).toEqual({ server: 'B' })
    expect(seen).toEqual([
      {
        server: 'A',
        method: 'POST',
        path: '/go/307/cross',
        authorized: true,
        bearerIsIssued: true,
        body: JSON.stringify(payload),
      },
      {
        server: 'B',
        method: 'POST',
        path: '/landing',
        authorized: false,
        bearerIsIssued: false,
        body: JSON.stringify(payload),
      },
    ])
  })

  it('a same-origin redirect keeps the token (the runtime only drops it across origins)', async () => {
    const auth = await loggedIn()
    expect(await send(auth, 'go/302/same')).toEqual({ server: 'A' })
    expect(seen).toEqual([
      { server: 'A', method: 'GET', path: '/go/302/same', authorized: true, bearerIsIssued: true, body: '' },
      { server: 'A', method: 'GET', path: '/landing', authorized: true, bearerIsIssued: true, body: '' },
    ])
  })

  it('a 401 from a redirect target that is not allowed neither refreshes nor replays the request', async () => {
    const auth = await loggedIn()
    statusOfB = 401
    // B's 401 says nothing about the API's token: refreshing and replaying would repeat the request.
    await send(auth, 'go/302/cross').catch(() => undefined)
    expect(refreshes).toBe(0)
    expect(seen.map(({ server, path }) => `${server} ${path}`)).toEqual(['A /go/302/cross', 'B /landing'])
  })

  it('a 401 from an allowed redirect target costs no refresh: the GET is sent once more, to B, with the token', async () => {
    const auth = await loggedIn([originB])
    bRequiresToken = true
    expect(await send(auth, 'go/302/cross')).toEqual({ server: 'B' })
    expect(refreshes).toBe(0)
    expect(seen).toEqual([
      { server: 'A', method: 'GET', path: '/go/302/cross', authorized: true, bearerIsIssued: true, body: '' },
      { server: 'B', method: 'GET', path: '/landing', authorized: false, bearerIsIssued: false, body: '' },
      { server: 'B', method: 'GET', path: '/landing', authorized: true, bearerIsIssued: true, body: '' },
    ])
  })

  it('a 401 from an allowed redirect target to a POST is neither re-sent nor refreshed', async () => {
    const auth = await loggedIn([originB])
    bRequiresToken = true
    const payload = { item: 'milk', quantity: 2 }
    const outcome = await send(auth, 'go/307/cross', { method: 'POST', json: payload }).then(
      (body) => ({ body }),
      (error: unknown) => ({ status: (error as { response?: Response }).response?.status }),
    )
    // auth.fetch answers like fetch (B's 401 body); auth.api rejects with ky's HTTPError for the 401.
    expect(outcome).toEqual(face === 'auth.fetch' ? { body: { server: 'B' } } : { status: 401 })
    expect(refreshes).toBe(0)
    expect(seen.map(({ server, method, path, authorized }) => [server, method, path, authorized])).toEqual([
      ['A', 'POST', '/go/307/cross', true],
      ['B', 'POST', '/landing', false],
    ])
  })
})

describe('network failures over real HTTP', () => {
  /** An origin on 127.0.0.1 whose port was just closed: connecting to it is refused. */
  async function closedOrigin(): Promise<string> {
    const server = createServer()
    const origin = await listen(server)
    await close(server)
    return origin
  }

  it.each([
    ['an allowed origin (the token attached)', true],
    ['an origin that is not allowed', false],
  ])('auth.fetch rejects a network failure at %s with a TypeError, the same as fetch', async (_, allowed) => {
    const closed = await closedOrigin()
    const auth = await loggedIn(allowed ? [closed] : [])
    const expected = await fetch(`${closed}/x`).then(
      () => expect.unreachable('the closed port answered'),
      (error: unknown) => error as TypeError,
    )
    const error = await auth.fetch(`${closed}/x`).then(
      () => expect.unreachable('expected a rejection'),
      (caught: unknown) => caught as TypeError,
    )
    expect(error).toBeInstanceOf(TypeError)
    expect(Object.getPrototypeOf(error)).toBe(TypeError.prototype)
    expect([error.name, error.message]).toEqual([expected.name, expected.message])
    expect((error.cause as { code?: string } | undefined)?.code).toBe('ECONNREFUSED')
    expect(refreshes).toBe(0)
  })
})
