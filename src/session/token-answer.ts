import { AuthError } from '../errors.ts'

/** The tokens of a login or refresh answer, checked field by field. */
export interface TokenAnswer {
  readonly accessToken: string
  /** Absent with the cookie transport, and with servers that do not rotate. */
  readonly refreshToken: string | undefined
  /** The answer's HTTP status, for the errors found later (another user's token). */
  readonly status: number | undefined
}

const invalid = (detail: string, status: number) => new AuthError('INVALID_RESPONSE', { detail, status })

/**
 * The tokens of `body`, the parsed JSON of an answer with `status`; throws `INVALID_RESPONSE` naming the first
 * field that is wrong (never its value).
 */
export function readTokenAnswer(body: unknown, status: number): TokenAnswer {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalid('the answer must be a JSON object', status)
  }
  const { accessToken, refreshToken } = body as Record<string, unknown>
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw invalid('`accessToken` must be a non-empty string', status)
  }
  if (refreshToken != null && (typeof refreshToken !== 'string' || refreshToken === '')) {
    throw invalid('`refreshToken` must be a non-empty string when present', status)
  }
  return { accessToken, refreshToken: refreshToken ?? undefined, status }
}
