/**
 * HS256 JSON Web Tokens on Web Crypto, strict by construction (RFC 8725):
 * the algorithm is pinned, the `typ` header is explicit and checked, `crit` is
 * refused, the signature must be canonically encoded and is compared by
 * `crypto.subtle.verify`; `exp` is required and `nbf` honoured.
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
  /** The claims of a valid token of type `typ` in force at `nowSeconds` (`exp`, `nbf`), or `undefined`. */
  verify(token: string, typ: TokenType, nowSeconds: number): Promise<Claims | undefined>
}

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

/** Exact, case-sensitive comparison: "none", "None", "HS512", "RS256"... all fail here, and so does any `crit`. */
function acceptableHeader(header: Record<string, unknown> | undefined, typ: TokenType): boolean {
  return header?.alg === 'HS256' && header.typ === typ && !('crit' in header)
}

/**
 * The claims when they are well-formed and in force at `nowSeconds`: `exp` in the future, and `nbf`, when
 * present, a number not in the future (RFC 7519 §4.1.5; a mistyped `nbf` is refused rather than ignored).
 */
function currentClaims(claims: Record<string, unknown> | undefined, nowSeconds: number): Claims | undefined {
  if (!claims || typeof claims.sub !== 'string' || typeof claims.iat !== 'number') return undefined
  if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) return undefined
  if (claims.nbf !== undefined && !(typeof claims.nbf === 'number' && claims.nbf <= nowSeconds)) return undefined
  return claims as Claims
}

function encodeSegment(value: object): string {
  return base64url(encoder.encode(JSON.stringify(value)))
}

export function createHs256(secret: string): Hs256 {
  const key = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ])

  return {
    async sign(typ, claims) {
      const signingInput = `${encodeSegment({ alg: 'HS256', typ })}.${encodeSegment(claims)}`
      const signature = await crypto.subtle.sign('HMAC', await key, encoder.encode(signingInput))
      return `${signingInput}.${base64url(new Uint8Array(signature))}`
    },

    async verify(token, typ, nowSeconds) {
      if (token.length > MAX_TOKEN_LENGTH || !JWS_COMPACT.test(token)) return undefined
      const [headerSegment = '', payloadSegment = '', signatureSegment = ''] = token.split('.')
      if (!acceptableHeader(parseObject(headerSegment), typ)) return undefined
      const signature = fromBase64url(signatureSegment)
      // One spelling per signature: the last character's two unused bits must be zero, as when signed.
      if (!signature || base64url(signature) !== signatureSegment) return undefined
      const signingInput = encoder.encode(`${headerSegment}.${payloadSegment}`)
      if (!(await crypto.subtle.verify('HMAC', await key, signature, signingInput))) return undefined
      return currentClaims(parseObject(payloadSegment), nowSeconds)
    },
  }
}
