import type { AuthErrorCode } from '../errors.ts'

/** The three auth calls. */
export type AuthCall = 'login' | 'refresh' | 'logout'

/** What a refused refresh means: these statuses say the refresh token is dead; any other failure is transient. */
const REFRESH_TOKEN_REFUSED = new Set([400, 401, 403])

/** The code of a failed auth call, from the call and the status of its answer (`undefined`: no answer). */
export function codeOfFailure(call: AuthCall, status: number | undefined): AuthErrorCode {
  if (call === 'login') return 'LOGIN_FAILED'
  if (call === 'logout') return 'LOGOUT_FAILED'
  return status !== undefined && REFRESH_TOKEN_REFUSED.has(status) ? 'SESSION_EXPIRED' : 'REFRESH_FAILED'
}
