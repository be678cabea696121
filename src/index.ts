/**
 * ky-token-refresh: the public API, listed by hand. Everything else is internal.
 */
export { type AuthClient, createAuthClient } from './client.ts'
export { AuthError, type AuthErrorCode, type AuthErrorDetails, isAuthError } from './errors.ts'
export type { AuthClientOptions, AuthEndpoints, RefreshTokenStorage, RefreshTransport } from './option-types.ts'
export { presets } from './presets.ts'
export type { JwtPayload } from './session/access-token.ts'
export type { AuthEventListener, AuthEvents, SessionInfo } from './session/events.ts'
