/**
 * ky-token-refresh: the public API, listed by hand. Everything else is internal.
 */
export { type AuthClient, createAuthClient } from './client.ts'
export { AuthError, type AuthErrorCode, isAuthError } from './errors.ts'
export type { JwtPayload } from './jwt.ts'
export type { AuthClientOptions, AuthEndpoints, RefreshTokenStorage, RefreshTransport } from './options.ts'
export { presets } from './presets.ts'
export type { AuthEventListener, AuthEvents, SessionInfo } from './session.ts'
