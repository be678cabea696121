/**
 * The reference app's JWT checks against the RFC 8725 / OWASP cases, on both
 * token types, with tokens correctly signed by the app's own keys where the
 * case needs it: so each refusal is for the case itself, not a bad signature.
 */
import { createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { type AuthApp, createAuthApp } from '../mock-server/index.ts'
import { base64url } from '../mock-server/jwt.ts'
import { DEMO, get, post, problemOf, tokensOf } from './support/requests.ts'
import { claimsOf, signHs256, unsigned, withHeader } from './support/tokens.ts'

const ORIGIN = 'https://jwt.test'
const at = (path: string) => `${ORIGIN}${path}`
const SECRETS = { accessSecret: `access-${'a'.repeat(40)}`, refreshSecret: `refresh-${'r'.repeat(40)}` }
const OTHER_SECRET = `other-${'o'.repeat(40)}`

const appWith = () => createAuthApp({ ...SECRETS, bcryptCost: 4, transport: 'body' })

async function session(app: AuthApp) {
  const tokens = await tokensOf(await app.fetch(post(at('/login'), DEMO)))
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken as string }
}

const now = () => Math.floor(Date.now() / 1000)
const protectedStatus = async (app: AuthApp, token: string) => (await app.fetch(get(at('/protected'), token))).status
const refreshStatus = async (app: AuthApp, token: string) =>
  (await app.fetch(post(at('/refresh'), { refreshToken: token }))).status

/** The token's claims with `changes`, signed again with `secret` (undefined values drop a claim). */
function resigned(token: string, secret: string, changes: Record<string, unknown>, typ = 'at+jwt'): string {
  const claims: Record<string, unknown> = { ...claimsOf(token), ...changes }
  for (const [name, value] of Object.entries(changes)) if (value === undefined) delete claims[name]
  return signHs256(secret, typ, claims)
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** The same token with its signature spelled another way: the same 32 bytes, the last character's unused bits set. */
function respelled(token: string): string {
  const last = ALPHABET.indexOf(token.at(-1) as string)
  return `${token.slice(0, -1)}${ALPHABET[last | 1]}`
}

describe('access tokens', () => {
  it('accepts the session’s token re-signed with the access key as it is, so each case below differs by one thing', async () => {
    const app = appWith()
    const { accessToken } = await session(app)
    expect(await protectedStatus(app, resigned(accessToken, SECRETS.accessSecret, {}))).toBe(200)
    expect(await protectedStatus(app, resigned(accessToken, SECRETS.accessSecret, { nbf: now() }))).toBe(200)
  })

  it('accepts a header spelled another way (its fields in another order) that still says HS256 and the type', async () => {
    const app = appWith()
    const { accessToken } = await session(app)
    const header = Buffer.from(JSON.stringify({ typ: 'at+jwt', alg: 'HS256' })).toString('base64url')
    const signingInput = `${header}.${accessToken.split('.')[1]}`
    const signature = createHmac('sha256', SECRETS.accessSecret).update(signingInput).digest('base64url')
    expect(await protectedStatus(app, `${signingInput}.${signature}`)).toBe(200)
  })

  it.each<[string, (token: string) => string]>([
    ['nbf in the future', (token) => resigned(token, SECRETS.accessSecret, { nbf: now() + 60 })],
    ['a string nbf', (token) => resigned(token, SECRETS.accessSecret, { nbf: String(now()) })],
    ['an exp in the past', (token) => resigned(token, SECRETS.accessSecret, { exp: now() - 1 })],
    ['no exp', (token) => resigned(token, SECRETS.accessSecret, { exp: undefined })],
    ['a string exp', (token) => resigned(token, SECRETS.accessSecret, { exp: String(now() + 60) })],
    ['no sub', (token) => resigned(token, SECRETS.accessSecret, { sub: undefined })],
    ['another key', (token) => resigned(token, OTHER_SECRET, {})],
    ['the refresh key', (token) => resigned(token, SECRETS.refreshSecret, {})],
    ['the refresh typ', (token) => resigned(token, SECRETS.accessSecret, {}, 'rt+jwt')],
    ['the generic typ JWT', (token) => resigned(token, SECRETS.accessSecret, {}, 'JWT')],
    ['alg none', (token) => unsigned(token, 'none')],
    [
      'alg RS256 over an HMAC signature (algorithm confusion)',
      (token) => withHeader(token, { alg: 'RS256', typ: 'at+jwt' }),
    ],
    [
      'a jku header pointing elsewhere',
      (token) => withHeader(token, { alg: 'HS256', typ: 'at+jwt', jku: 'https://evil.example/keys' }),
    ],
    ['a crit header', (token) => withHeader(token, { alg: 'HS256', typ: 'at+jwt', crit: ['nbf'] })],
    ['its signature spelled another way (the same bytes)', respelled],
  ])('refuses one with %s', async (_, forge) => {
    const app = appWith()
    const { accessToken } = await session(app)
    const response = await app.fetch(get(at('/protected'), forge(accessToken)))
    await problemOf(response, 401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"')
  })
})

describe('refresh tokens', () => {
  it('accepts the session’s token re-signed with the refresh key, so each case below differs by one thing', async () => {
    const app = appWith()
    const { refreshToken } = await session(app)
    expect(await refreshStatus(app, resigned(refreshToken, SECRETS.refreshSecret, {}, 'rt+jwt'))).toBe(200)
  })

  it.each<[string, (token: string) => string]>([
    ['nbf in the future', (token) => resigned(token, SECRETS.refreshSecret, { nbf: now() + 60 }, 'rt+jwt')],
    ['an exp in the past', (token) => resigned(token, SECRETS.refreshSecret, { exp: now() - 1 }, 'rt+jwt')],
    ['another key', (token) => resigned(token, OTHER_SECRET, {}, 'rt+jwt')],
    ['the access key', (token) => resigned(token, SECRETS.accessSecret, {}, 'rt+jwt')],
    ['the access typ', (token) => resigned(token, SECRETS.refreshSecret, {}, 'at+jwt')],
    ['no jti', (token) => resigned(token, SECRETS.refreshSecret, { jti: undefined }, 'rt+jwt')],
    ['another family', (token) => resigned(token, SECRETS.refreshSecret, { fam: crypto.randomUUID() }, 'rt+jwt')],
    ['another subject', (token) => resigned(token, SECRETS.refreshSecret, { sub: '2' }, 'rt+jwt')],
    ['alg none', (token) => unsigned(token, 'none')],
    ['its signature spelled another way (the same bytes)', respelled],
  ])('refuses one with %s, and the genuine token still works', async (_, forge) => {
    const app = appWith()
    const { refreshToken } = await session(app)
    await problemOf(await app.fetch(post(at('/refresh'), { refreshToken: forge(refreshToken) })), 400)
    expect(await refreshStatus(app, refreshToken)).toBe(200)
  })
})

describe('base64url', () => {
  it('spells every length of bytes as Node’s own unpadded base64url does', () => {
    for (let length = 0; length <= 70; length++) {
      const bytes = crypto.getRandomValues(new Uint8Array(length))
      expect(base64url(bytes)).toBe(Buffer.from(bytes).toString('base64url'))
    }
  })
})
