import type { AuthClientOptions } from './options.ts'

const expiredOn = [401, 403]

/**
 * The documented tutorial servers, ready to spread into the options:
 * `createAuthClient({ ...presets.staticCookie, baseUrl })`. Each also says which
 * statuses mean "expired" there (they answer 403 for an expired token). The
 * mock server has profiles of the same names.
 */
export const presets = {
  /** Tutorial 000: `POST /login`, `POST /token` with the refresh token in the body, rotated on every use; no logout route. */
  rotatingBody: { transport: 'body', endpoints: { refresh: 'token', logout: false }, refreshOn: expiredOn },
  /** Tutorial 001: `POST /login` sets an HttpOnly cookie (the default transport), `POST /refresh`, `POST /logout`; no rotation. */
  staticCookie: { refreshOn: expiredOn },
  /** Tutorial 002: `POST /refresh-token` with the refresh token in the body, which never changes; no logout route. */
  staticBody: { transport: 'body', endpoints: { refresh: 'refresh-token', logout: false }, refreshOn: expiredOn },
} as const satisfies Record<string, Partial<AuthClientOptions>>
