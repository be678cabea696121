/** Test-side helpers to read and forge compact JWTs (never used by the code under test). */
import { createHmac, timingSafeEqual } from 'node:crypto'

export function decodeSegment(segment: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>
}

export function claimsOf(token: string): Record<string, unknown> {
  return decodeSegment(token.split('.')[1] ?? '')
}

export function headerOf(token: string): Record<string, unknown> {
  return decodeSegment(token.split('.')[0] ?? '')
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')

/** The token with its header replaced (signature kept, so it no longer matches). */
export function withHeader(token: string, header: Record<string, unknown>): string {
  const [, payload, signature] = token.split('.')
  return `${encode(header)}.${payload}.${signature}`
}

/** The token with claims changed (signature kept, so it no longer matches). */
export function withClaims(token: string, changes: Record<string, unknown>): string {
  const [header, payload = '', signature] = token.split('.')
  return `${header}.${encode({ ...decodeSegment(payload), ...changes })}.${signature}`
}

/** An unsigned `alg` token, as an attacker would send it: header, payload, empty or bogus signature. */
export function unsigned(token: string, alg: string, signature = ''): string {
  const [, payload] = token.split('.')
  return `${encode({ alg, typ: headerOf(token).typ })}.${payload}.${signature}`
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/**
 * The token with its signature spelled differently but decoding to the same bytes: the last of its 43
 * characters carries 2 unused bits, and flipping one gives a non-canonical spelling of one signature.
 */
export function respelled(token: string): string {
  const last = BASE64URL.indexOf(token.slice(-1))
  return `${token.slice(0, -1)}${BASE64URL[last ^ 1]}`
}

const hmac = (secret: string, signingInput: string) => createHmac('sha256', secret).update(signingInput).digest()

/** A compact HS256 JWT of `claims`, signed with `secret`, as a server holding that secret would issue it. */
export function signHs256(secret: string, typ: string, claims: Record<string, unknown>): string {
  const signingInput = `${encode({ alg: 'HS256', typ })}.${encode(claims)}`
  return `${signingInput}.${hmac(secret, signingInput).toString('base64url')}`
}

/** Whether `token` carries a valid HS256 signature by `secret` (its claims are not checked). */
export function isSignedWith(token: string, secret: string): boolean {
  const [header = '', payload = '', signature = ''] = token.split('.')
  const expected = hmac(secret, `${header}.${payload}`)
  const actual = Buffer.from(signature, 'base64url')
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
