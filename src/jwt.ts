import { type JwtPayload, jwtDecode } from 'jwt-decode'

export type { JwtPayload }

/**
 * The payload of `token` if it is a decodable JWT, else `undefined`.
 * Decoded, NOT verified: good for timing and display, never for trust.
 */
export function claimsOf(token: string): JwtPayload | undefined {
  try {
    return jwtDecode(token)
  } catch {
    return undefined
  }
}
