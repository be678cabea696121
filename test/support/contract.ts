/**
 * The protocol contract of the reference app, one test per promise made in
 * README. It runs unchanged through MSW and against `npm start`, in both
 * refresh-token transports (see targets.ts).
 */
import { describe, expect, it } from 'vitest'
import { setCookie } from './cookies.ts'
import type { ContractTarget } from './targets.ts'
import { TTL } from './targets.ts'
import { claimsOf, headerOf, respelled, unsigned, withClaims, withHeader } from './tokens.ts'

const DEMO = { username: 'user1', password: 'password123' }
const JSON_HEADERS = { 'content-type': 'application/json' }

interface Tokens {
  readonly response: Response
  readonly accessToken?: string
  readonly refreshToken?: string
}

function postJson(target: ContractTarget, path: string, body: unknown, headers: Record<string, string> = {}) {
  return target.request(path, { method: 'POST', headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) })
}

async function tokensOf(response: Response): Promise<Tokens> {
  if (!response.ok) return { response }
  const body = (await response.clone().json()) as { accessToken?: string; refreshToken?: string }
  const refreshToken = body.refreshToken ?? setCookie(response, 'refreshToken')?.value
  return {
    response,
    ...(body.accessToken !== undefined && { accessToken: body.accessToken }),
    ...(refreshToken ? { refreshToken } : {}),
  }
}

async function login(target: ContractTarget, credentials: Record<string, unknown> = DEMO) {
  const tokens = await tokensOf(await postJson(target, '/login', credentials))
  expect(tokens.response.status).toBe(200)
  return tokens as Required<Tokens>
}

/** Refreshes with `refreshToken`, sent the target's transport way (or `via`). */
async function refresh(
  target: ContractTarget,
  refreshToken: string,
  {
    route = '/refresh',
    via = target.transport,
    headers = {},
  }: { route?: string; via?: 'cookie' | 'body'; headers?: Record<string, string> } = {},
) {
  const response =
    via === 'body'
      ? await postJson(target, route, { refreshToken }, headers)
      : await target.request(route, { method: 'POST', headers: { cookie: `refreshToken=${refreshToken}`, ...headers } })
  return tokensOf(response)
}

function getProtected(target: ContractTarget, accessToken?: string, authorization = `Bearer ${accessToken}`) {
  return target.request('/protected', accessToken === undefined ? {} : { headers: { authorization } })
}

/** A JSON error: `{ error, message }`, JSON content type, no stack trace. */
async function expectJsonError(response: Response, status: number) {
  expect(response.status).toBe(status)
  expect(response.headers.get('content-type')).toMatch(/^application\/json/)
  const text = await response.text()
  expect(text).not.toMatch(/\bat .+:\d+:\d+/)
  const body = JSON.parse(text) as { error: unknown; message: unknown }
  expect(typeof body.error).toBe('string')
  expect(typeof body.message).toBe('string')
  return body
}

const expired = (target: ContractTarget) => target.elapse((TTL.accessSeconds + 1) * 1000)

export function defineContract(target: ContractTarget): void {
  describe(`the reference protocol ${target.name}`, () => {
    describe('registration', () => {
      it('registers a new username with 201 and refuses it a second time with 409', async () => {
        const account = { username: `ada-${crypto.randomUUID()}`, password: 'correct horse' }
        const created = await postJson(target, '/register', account)
        expect(created.status).toBe(201)
        expect(await created.json()).toMatchObject({ user: { name: account.username } })
        await expectJsonError(await postJson(target, '/register', account), 409)
        await expectJsonError(await postJson(target, '/register', DEMO), 409)
      })

      it('treats email addresses case-insensitively, so a differently cased duplicate gets 409', async () => {
        const local = `grace-${crypto.randomUUID()}`
        expect(
          (await postJson(target, '/register', { email: `${local}@example.com`, password: 'longenough' })).status,
        ).toBe(201)
        await expectJsonError(
          await postJson(target, '/register', { email: `${local.toUpperCase()}@Example.COM`, password: 'longenough' }),
          409,
        )
        await login(target, { email: `${local}@EXAMPLE.com`, password: 'longenough' })
      })

      it('answers 400 for a missing, short, non-string or over-72-byte password', async () => {
        const username = `x-${crypto.randomUUID()}`
        for (const password of [undefined, 'short', 12345678, 'é'.repeat(37)]) {
          await expectJsonError(await postJson(target, '/register', { username, password }), 400)
        }
        expect((await postJson(target, '/register', { username, password: 'é'.repeat(36) })).status).toBe(201)
      })

      it('answers 400 when both or neither of username and email are given, or one is malformed', async () => {
        for (const body of [
          { password: 'longenough' },
          { username: 'a', email: 'a@b.c', password: 'longenough' },
          { email: 'not-an-address', password: 'longenough' },
          { username: '', password: 'longenough' },
          { username: 'has space', password: 'longenough' },
        ]) {
          await expectJsonError(await postJson(target, '/register', body), 400)
        }
      })
    })

    describe('login', () => {
      it('logs the demo user in and hands out the refresh token the configured transport way', async () => {
        const { response, accessToken } = await login(target)
        const body = (await response.clone().json()) as Record<string, unknown>
        expect(headerOf(accessToken)).toEqual({ alg: 'HS256', typ: 'at+jwt' })
        expect(claimsOf(accessToken)).toMatchObject({ sub: '1', name: 'user1' })
        if (target.transport === 'cookie') {
          expect(body.refreshToken).toBeUndefined()
          expect(setCookie(response, 'refreshToken')?.value).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/)
        } else {
          expect(typeof body.refreshToken).toBe('string')
          expect(response.headers.getSetCookie()).toEqual([])
        }
      })

      it('answers an unknown user and a wrong password byte for byte the same', async () => {
        const unknown = await postJson(target, '/login', {
          username: `nobody-${crypto.randomUUID()}`,
          password: 'password123',
        })
        const wrong = await postJson(target, '/login', { username: 'user1', password: 'password124' })
        const headers = (response: Response) => [...response.headers].filter(([name]) => name !== 'date')
        expect(unknown.status).toBe(400)
        expect(wrong.status).toBe(unknown.status)
        expect(headers(wrong)).toEqual(headers(unknown))
        expect(await wrong.text()).toBe(await unknown.text())
      })

      it('refuses a password longer than 72 bytes even when its first 72 bytes are right', async () => {
        const username = `long-${crypto.randomUUID()}`
        const password = 'p'.repeat(72)
        expect((await postJson(target, '/register', { username, password })).status).toBe(201)
        await login(target, { username, password })
        await expectJsonError(await postJson(target, '/login', { username, password: `${password}!` }), 400)
      })

      it('marks token responses Cache-Control: no-store', async () => {
        const { response, refreshToken } = await login(target)
        expect(response.headers.get('cache-control')).toBe('no-store')
        const refreshed = await refresh(target, refreshToken)
        expect(refreshed.response.status).toBe(200)
        expect(refreshed.response.headers.get('cache-control')).toBe('no-store')
      })
    })

    describe('refresh', () => {
      it('refreshes under /token, /refresh and /refresh-token alike', async () => {
        let { refreshToken } = await login(target)
        for (const route of ['/token', '/refresh', '/refresh-token']) {
          const next = await refresh(target, refreshToken, { route })
          expect(next.response.status).toBe(200)
          expect((await getProtected(target, next.accessToken)).status).toBe(200)
          refreshToken = next.refreshToken as string
        }
      })

      it('rotates the refresh token on every use', async () => {
        const { refreshToken } = await login(target)
        const seen = new Set([refreshToken])
        let current = refreshToken
        for (let round = 0; round < 3; round++) {
          const next = await refresh(target, current)
          expect(next.response.status).toBe(200)
          expect(seen.has(next.refreshToken as string)).toBe(false)
          seen.add(next.refreshToken as string)
          current = next.refreshToken as string
        }
      })

      it('returns the rotated refresh token the way the old one came, body or cookie', async () => {
        const first = await login(target)
        const viaBody = await refresh(target, first.refreshToken, { via: 'body' })
        expect(((await viaBody.response.clone().json()) as Record<string, unknown>).refreshToken).toBe(
          viaBody.refreshToken,
        )
        expect(viaBody.response.headers.getSetCookie()).toEqual([])
        const viaCookie = await refresh(target, viaBody.refreshToken as string, { via: 'cookie' })
        expect(((await viaCookie.response.clone().json()) as Record<string, unknown>).refreshToken).toBeUndefined()
        expect(setCookie(viaCookie.response, 'refreshToken')?.value).toBe(viaCookie.refreshToken)
      })

      it('returns the same successor when the immediate parent is replayed within the grace window', async () => {
        const { refreshToken } = await login(target)
        const first = await refresh(target, refreshToken)
        const replay = await refresh(target, refreshToken)
        expect(replay.response.status).toBe(200)
        expect(replay.refreshToken).toBe(first.refreshToken)
        expect((await refresh(target, first.refreshToken as string)).response.status).toBe(200)
      })

      it('revokes the whole family, newest token included, when the parent is replayed after the grace window', async () => {
        const { refreshToken } = await login(target)
        const child = await refresh(target, refreshToken)
        await target.elapse(TTL.graceSeconds * 1000 + 500)
        await expectJsonError((await refresh(target, refreshToken)).response, 400)
        await expectJsonError((await refresh(target, child.refreshToken as string)).response, 400)
        // Access tokens bound to the revoked session die with it.
        expect((await getProtected(target, child.accessToken)).status).toBe(401)
      })

      it('answers an older ancestor replayed within the grace window with the current token, and revokes the family after it', async () => {
        const { refreshToken: grandparent } = await login(target)
        const parent = await refresh(target, grandparent)
        const child = await refresh(target, parent.refreshToken as string)
        expect(child.response.status).toBe(200)
        // Each replaced token is served for the grace window after its own replacement (a burst of tabs).
        const replay = await refresh(target, grandparent)
        expect(replay.response.status).toBe(200)
        expect(replay.refreshToken).toBe(child.refreshToken)
        await target.elapse(TTL.graceSeconds * 1000 + 500)
        await expectJsonError((await refresh(target, grandparent)).response, 400)
        await expectJsonError((await refresh(target, child.refreshToken as string)).response, 400)
      })

      it('produces exactly one successor for 20 concurrent refreshes with one token, without a reuse alarm', async () => {
        const { refreshToken } = await login(target)
        const results = await Promise.all(Array.from({ length: 20 }, () => refresh(target, refreshToken)))
        expect(results.map((result) => result.response.status)).toEqual(Array(20).fill(200))
        const successors = new Set(results.map((result) => result.refreshToken))
        expect(successors.size).toBe(1)
        const next = await refresh(target, [...successors][0] as string)
        expect(next.response.status).toBe(200)
      })

      it('never extends the family lifetime by rotating, and refuses refresh tokens past it', async () => {
        const { refreshToken } = await login(target)
        const end = claimsOf(refreshToken).exp
        await target.elapse(2000)
        const rotated = await refresh(target, refreshToken)
        expect(rotated.response.status).toBe(200)
        expect(claimsOf(rotated.refreshToken as string).exp).toBe(end)
        await target.elapse((TTL.refreshSeconds - 2 + 1) * 1000)
        await expectJsonError((await refresh(target, rotated.refreshToken as string)).response, 400)
      })

      it('answers 400 when no refresh token is sent at all', async () => {
        await login(target)
        target.clearCookies()
        await expectJsonError(await target.request('/refresh', { method: 'POST' }), 400)
        await expectJsonError(await postJson(target, '/refresh', {}), 400)
      })

      it('never accepts an access token as a refresh token', async () => {
        const { accessToken } = await login(target)
        await expectJsonError((await refresh(target, accessToken)).response, 400)
        await expectJsonError((await refresh(target, accessToken, { via: 'body' })).response, 400)
      })

      it('refuses tampered, unsigned and re-typed refresh tokens', async () => {
        const { refreshToken } = await login(target)
        for (const forged of [
          withClaims(refreshToken, { sub: '2' }),
          unsigned(refreshToken, 'none'),
          withHeader(refreshToken, { alg: 'HS256', typ: 'at+jwt' }),
          withHeader(refreshToken, { alg: 'HS512', typ: 'rt+jwt' }),
          respelled(refreshToken),
          `${refreshToken}x`,
          'not-a-token',
        ]) {
          await expectJsonError((await refresh(target, forged)).response, 400)
        }
        // None of the forgeries counted as reuse: the genuine token still works.
        expect((await refresh(target, refreshToken)).response.status).toBe(200)
      })

      it('refuses a cookie-borne refresh from a foreign Origin with 403, and accepts its own origin', async () => {
        const { refreshToken } = await login(target)
        for (const origin of ['https://evil.example', 'null', `${target.origin()}.evil.example`]) {
          const foreign = await refresh(target, refreshToken, { via: 'cookie', headers: { origin } })
          await expectJsonError(foreign.response, 403)
        }
        const own = await refresh(target, refreshToken, { via: 'cookie', headers: { origin: target.origin() } })
        expect(own.response.status).toBe(200)
        // A body-borne token is no ambient credential: a foreign origin may present it.
        const body = await refresh(target, own.refreshToken as string, {
          via: 'body',
          headers: { origin: 'https://evil.example' },
        })
        expect(body.response.status).toBe(200)
      })
    })

    describe('protected', () => {
      it('answers 200 with the user for a valid access token', async () => {
        const { accessToken } = await login(target)
        const response = await getProtected(target, accessToken)
        expect(response.status).toBe(200)
        expect(await response.json()).toMatchObject({ user: { id: '1', name: 'user1' } })
      })

      it('answers 401 with a bare WWW-Authenticate: Bearer when no bearer token is sent', async () => {
        for (const response of [
          await getProtected(target),
          await getProtected(target, 'x', 'Basic dXNlcjE6cGFzc3dvcmQxMjM='),
          await getProtected(target, 'x', 'Bearer '),
        ]) {
          expect(response.headers.get('www-authenticate')).toBe('Bearer')
          await expectJsonError(response, 401)
        }
      })

      it('answers 401 with error="invalid_token" for an expired access token', async () => {
        const { accessToken } = await login(target)
        expect((await getProtected(target, accessToken)).status).toBe(200)
        await expired(target)
        const response = await getProtected(target, accessToken)
        expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
        await expectJsonError(response, 401)
      })

      it('never accepts a refresh token as an access token', async () => {
        const { refreshToken } = await login(target)
        const response = await getProtected(target, refreshToken)
        expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
        await expectJsonError(response, 401)
      })

      it('refuses alg "none" in any case, other algorithms, and tampered tokens', async () => {
        const { accessToken } = await login(target)
        const forgeries = [
          unsigned(accessToken, 'none'),
          unsigned(accessToken, 'None'),
          unsigned(accessToken, 'NONE'),
          unsigned(accessToken, 'nOnE', 'AAAA'),
          withHeader(accessToken, { alg: 'hs256', typ: 'at+jwt' }),
          withHeader(accessToken, { alg: 'HS512', typ: 'at+jwt' }),
          withHeader(accessToken, { alg: 'RS256', typ: 'at+jwt' }),
          withHeader(accessToken, { alg: 'HS256', typ: 'at+jwt', crit: ['exp'] }),
          withHeader(accessToken, { alg: 'HS256' }),
          withClaims(accessToken, { sub: '2' }),
          withClaims(accessToken, { exp: 4_102_444_800 }),
          accessToken.split('.').slice(0, 2).join('.'),
          respelled(accessToken),
        ]
        expect(Buffer.from(respelled(accessToken).split('.')[2] ?? '', 'base64url')).toEqual(
          Buffer.from(accessToken.split('.')[2] ?? '', 'base64url'),
        )
        for (const forged of forgeries) {
          const response = await getProtected(target, forged)
          expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
          await expectJsonError(response, 401)
        }
        expect((await getProtected(target, accessToken)).status).toBe(200)
      })
    })

    describe('logout', () => {
      it('revokes the refresh-token family server-side and expires the cookie', async () => {
        const { refreshToken, accessToken } = await login(target)
        const response =
          target.transport === 'body'
            ? await postJson(target, '/logout', { refreshToken })
            : await target.request('/logout', { method: 'POST' })
        expect(response.status).toBe(204)
        expect(setCookie(response, 'refreshToken')?.attributes['max-age']).toBe('0')
        expect(target.cookie('refreshToken')).toBeUndefined()
        await expectJsonError((await refresh(target, refreshToken)).response, 400)
        expect((await getProtected(target, accessToken)).status).toBe(401)
      })

      it('is idempotent: a second logout, or one without any token, answers 204', async () => {
        const { refreshToken } = await login(target)
        for (let round = 0; round < 2; round++) {
          expect((await postJson(target, '/logout', { refreshToken })).status).toBe(204)
        }
        target.clearCookies()
        expect((await target.request('/logout', { method: 'POST' })).status).toBe(204)
        expect((await postJson(target, '/logout', { refreshToken: 'garbage' })).status).toBe(204)
      })
    })

    describe('the refresh cookie', () => {
      it(
        target.transport === 'cookie'
          ? 'is HttpOnly, Secure, SameSite=Strict, Path=/ and lives as long as the family'
          : 'is never set by the body transport',
        async () => {
          const { response, refreshToken } = await login(target)
          const cookie = setCookie(response, 'refreshToken')
          if (target.transport === 'body') {
            expect(cookie).toBeUndefined()
            return
          }
          expect(cookie?.attributes).toMatchObject({
            httponly: true,
            secure: true,
            samesite: 'Strict',
            path: '/',
            'max-age': String(TTL.refreshSeconds),
          })
          expect(target.cookie('refreshToken')).toBe(refreshToken)
        },
      )
    })

    describe('bad input', () => {
      const routes = ['/register', '/login', '/refresh', '/token', '/refresh-token', '/logout']

      it.each(routes)('answers malformed JSON at %s with a JSON 400', async (route) => {
        await expectJsonError(
          await target.request(route, { method: 'POST', headers: JSON_HEADERS, body: '{"username": ' }),
          400,
        )
      })

      it.each(routes)('answers a JSON array or string body at %s with a JSON 400', async (route) => {
        await expectJsonError(await postJson(target, route, ['user1']), 400)
        await expectJsonError(await postJson(target, route, 'user1'), 400)
      })

      it.each(routes)('answers a non-JSON content type at %s with a JSON 415', async (route) => {
        const body = 'username=user1&password=password123'
        const headers = { 'content-type': 'application/x-www-form-urlencoded' }
        await expectJsonError(await target.request(route, { method: 'POST', headers, body }), 415)
      })

      it.each(routes)('answers a body over 64 KiB at %s with a JSON 413', async (route) => {
        await expectJsonError(await postJson(target, route, { username: 'u'.repeat(70_000), password: 'x' }), 413)
      })

      /** A body sent in chunks, with no Content-Length (Transfer-Encoding: chunked over HTTP/1.1). */
      const streamed = (text: string): RequestInit => {
        const bytes = new TextEncoder().encode(text)
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            for (let offset = 0; offset < bytes.length; offset += 1000)
              controller.enqueue(bytes.slice(offset, offset + 1000))
            controller.close()
          },
        })
        return { method: 'POST', headers: JSON_HEADERS, body, duplex: 'half' } as RequestInit
      }

      it('reads a streamed JSON body without Content-Length like any other', async () => {
        const tokens = await tokensOf(await target.request('/login', streamed(JSON.stringify(DEMO))))
        expect(tokens.response.status).toBe(200)
        expect(tokens.accessToken).toEqual(expect.any(String))
        await expectJsonError(await target.request('/login', streamed('{"username": ')), 400)
      })

      it('answers a streamed body over 64 KiB with a JSON 413', async () => {
        const body = JSON.stringify({ username: 'u'.repeat(70_000), password: 'x' })
        await expectJsonError(await target.request('/login', streamed(body)), 413)
      })

      it('accepts a body of exactly 64 KiB, and refuses one byte more with 413', async () => {
        const exactly = (bytes: number) => {
          const shell = JSON.stringify({ username: '', password: 'password123' })
          return JSON.stringify({ username: '', password: 'password123', pad: 'p'.repeat(bytes - shell.length - 9) })
        }
        expect(new TextEncoder().encode(exactly(65_536)).length).toBe(65_536)
        await expectJsonError(await postJson(target, '/login', JSON.parse(exactly(65_536))), 400)
        await expectJsonError(await target.request('/login', streamed(exactly(65_536))), 400)
        await expectJsonError(await target.request('/login', streamed(exactly(65_537))), 413)
      })

      it('answers fields of the wrong type with a JSON 400', async () => {
        await expectJsonError(await postJson(target, '/login', { username: 1, password: 'password123' }), 400)
        await expectJsonError(await postJson(target, '/login', { username: 'user1', password: { $ne: '' } }), 400)
        await expectJsonError(await postJson(target, '/refresh', { refreshToken: 42 }), 400)
        await expectJsonError(await postJson(target, '/logout', { refreshToken: ['a'] }), 400)
      })
    })
  })
}
