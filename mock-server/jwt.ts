/**
 * HS256 JSON Web Tokens on Web Crypto, strict by construction (RFC 8725):
 * the algorithm is pinned, the `typ` header is explicit and checked, `crit` is
 * refused, the signature must be canonically encoded and is compared in
 * constant time. HMAC is Web Crypto's unless a faster one is injected (node.ts
 * passes `node:crypto`'s, which skips a promise round trip per operation).
 * Access and refresh tokens use different keys *and* different `typ` values,
 * so neither can ever be accepted as the other.
 */

export type TokenType = 'at+jwt' | 'rt+jwt'

export type Claims = Record<string, unknown> & {
  sub: string
  iat: number
  exp: number
}

export interface Hs256 {
  sign(typ: TokenType, claims: Record<string, unknown>): Promise<string>
  /** The claims of a valid, unexpired token of type `typ`, or `undefined`. */
  verify(token: string, typ: TokenType, nowSeconds: number): Promise<Claims | undefined>
}

/** HMAC-SHA-256 keyed once: `key` in, a function from data to its 32-byte MAC out. */
export type HmacSha256 = (key: Uint8Array) => (data: Uint8Array) => Uint8Array | Promise<Uint8Array>

const MAX_TOKEN_LENGTH = 4096
const JWS_COMPACT = /^[\w-]+\.[\w-]+\.[\w-]{43}$/
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

export function base64url(bytes: Uint8Array): string {
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'))
    return Uint8Array.from(binary, (char) => char.charCodeAt(0))
  } catch {
    return undefined
  }
}

function parseObject(segment: string): Record<string, unknown> | undefined {
  const bytes = fromBase64url(segment)
  if (!bytes) return undefined
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes))
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined
  } catch {
    return undefined
  }
}

function encodeSegment(value: object): string {
  return base64url(encoder.encode(JSON.stringify(value)))
}

/** The portable HMAC: Web Crypto, with the key imported once. */
const webCryptoHmac: HmacSha256 = (secret) => {
  const key = crypto.subtle.importKey(
    'raw',
    secret as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  )
  return async (data) => new Uint8Array(await crypto.subtle.sign('HMAC', await key, data as Uint8Array<ArrayBuffer>))
}

/** Compares two MACs in time independent of where they differ. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  let difference = 0
  for (let index = 0; index < a.length; index++) difference |= (a[index] as number) ^ (b[index] as number)
  return difference === 0
}

export function createHs256(secret: string, hmac: HmacSha256 = webCryptoHmac): Hs256 {
  const mac = hmac(encoder.encode(secret))

  return {
    async sign(typ, claims) {
      const signingInput = `${encodeSegment({ alg: 'HS256', typ })}.${encodeSegment(claims)}`
      return `${signingInput}.${base64url(await mac(encoder.encode(signingInput)))}`
    },

    async verify(token, typ, nowSeconds) {
      if (token.length > MAX_TOKEN_LENGTH || !JWS_COMPACT.test(token)) return undefined
      const [headerSegment = '', payloadSegment = '', signatureSegment = ''] = token.split('.')
      const header = parseObject(headerSegment)
      // Exact, case-sensitive comparison: "none", "None", "HS512", "RS256"... all fail here.
      if (header?.alg !== 'HS256' || header.typ !== typ || 'crit' in header) return undefined
      const signature = fromBase64url(signatureSegment)
      // One spelling per signature: the last character's two unused bits must be zero, as when signed.
      if (!signature || base64url(signature) !== signatureSegment) return undefined
      if (!sameBytes(await mac(encoder.encode(`${headerSegment}.${payloadSegment}`)), signature)) return undefined
      const claims = parseObject(payloadSegment)
      if (
        !claims ||
        typeof claims.sub !== 'string' ||
        typeof claims.iat !== 'number' ||
        typeof claims.exp !== 'number' ||
        claims.exp <= nowSeconds
      ) {
        return undefined
      }
      return claims as Claims
    },
  }
}
