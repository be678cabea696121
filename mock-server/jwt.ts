/**
 * HS256 JSON Web Tokens on Web Crypto, strict by construction (RFC 8725):
 * the algorithm is pinned, the `typ` header is explicit and checked, `crit` is
 * refused, the signature must be canonically encoded and is compared in
 * constant time; `exp` is required and `nbf` honoured. HMAC is Web Crypto's
 * unless a faster one is injected (node.ts passes `node:crypto`'s, which skips
 * a promise round trip per operation).
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

/** HMAC-SHA-256 keyed once: `key` in, a function from data to its 32-byte MAC out. */
export type HmacSha256 = (key: Uint8Array) => (data: Uint8Array) => Uint8Array | Promise<Uint8Array>

const MAX_TOKEN_LENGTH = 4096
const JWS_COMPACT = /^[\w-]+\.[\w-]+\.[\w-]{43}$/
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
/** The 6-bit value of each ASCII character of the alphabet, -1 for every other one. */
const VALUES = Int8Array.from({ length: 128 }, (_, code) => ALPHABET.indexOf(String.fromCharCode(code)))

const char = (value: number) => ALPHABET.charAt(value)
/** The two characters of each 12-bit value: one string concatenation per 1.5 bytes instead of per 0.75. */
const PAIRS = Array.from({ length: 4096 }, (_, value) => char(value >> 6) + char(value & 63))

/**
 * Unpadded base64url, by table: `btoa` needs a binary string built byte by byte and three regex passes,
 * and a table of character pairs halves the string additions of one of single characters.
 */
export function base64url(bytes: Uint8Array): string {
  let text = ''
  let index = 0
  for (; index + 2 < bytes.length; index += 3) {
    const bits = ((bytes[index] as number) << 16) | ((bytes[index + 1] as number) << 8) | (bytes[index + 2] as number)
    text += (PAIRS[bits >> 12] as string) + (PAIRS[bits & 4095] as string)
  }
  const left = bytes.length - index
  if (left === 0) return text
  const bits = ((bytes[index] as number) << 16) | (left === 2 ? (bytes[index + 1] as number) << 8 : 0)
  text += PAIRS[bits >> 12] as string
  return left === 2 ? text + char((bits >> 6) & 63) : text
}

/** The bytes of unpadded base64url text, or `undefined` for a character outside the alphabet or a bad length. */
function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  if (text.length % 4 === 1) return undefined
  const bytes = new Uint8Array(Math.floor((text.length * 3) / 4))
  let buffer = 0
  let bits = 0
  let written = 0
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index)
    const value = code < 128 ? (VALUES[code] as number) : -1
    if (value < 0) return undefined
    buffer = ((buffer << 6) | value) & 0xffffff
    bits += 6
    if (bits >= 8) {
      bits -= 8
      bytes[written++] = (buffer >> bits) & 0xff
    }
  }
  return bytes
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

/** The header segment of each type as signed here: encoded once, and recognized without decoding when presented. */
const SIGNED_HEADERS: Readonly<Record<TokenType, string>> = {
  'at+jwt': encodeSegment({ alg: 'HS256', typ: 'at+jwt' }),
  'rt+jwt': encodeSegment({ alg: 'HS256', typ: 'rt+jwt' }),
}

/** Our own header spelling passes as is; any other is decoded and judged by the same rules. */
function headerAccepted(segment: string, typ: TokenType): boolean {
  return segment === SIGNED_HEADERS[typ] || acceptableHeader(parseObject(segment), typ)
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

/**
 * Compares a presented signature segment with the expected one, canonically encoded, in time independent of where
 * they differ. Equal text is the same MAC spelled the one way it is signed here: a segment whose last character
 * carries nonzero unused bits (another spelling of the same bytes) differs, so no decoding is needed.
 */
function sameText(presented: string, expected: string): boolean {
  if (presented.length !== expected.length) return false
  let difference = 0
  for (let index = 0; index < expected.length; index++) {
    difference |= presented.charCodeAt(index) ^ expected.charCodeAt(index)
  }
  return difference === 0
}

export function createHs256(secret: string, hmac: HmacSha256 = webCryptoHmac): Hs256 {
  const mac = hmac(encoder.encode(secret))

  return {
    async sign(typ, claims) {
      const signingInput = `${SIGNED_HEADERS[typ]}.${encodeSegment(claims)}`
      return `${signingInput}.${base64url(await mac(encoder.encode(signingInput)))}`
    },

    async verify(token, typ, nowSeconds) {
      if (token.length > MAX_TOKEN_LENGTH || !JWS_COMPACT.test(token)) return undefined
      // The pattern guarantees exactly two dots, and a signature segment of 43 characters (32 bytes).
      const payloadStart = token.indexOf('.') + 1
      const signatureStart = token.length - 43
      if (!headerAccepted(token.slice(0, payloadStart - 1), typ)) return undefined
      const expected = base64url(await mac(encoder.encode(token.slice(0, signatureStart - 1))))
      if (!sameText(token.slice(signatureStart), expected)) return undefined
      return currentClaims(parseObject(token.slice(payloadStart, signatureStart - 1)), nowSeconds)
    },
  }
}
