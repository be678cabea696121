// An ES module consumer: type-checked against the built package (dist) by `npm run check:package`.
import { AuthError, createAuthClient, isAuthError, presets } from 'ky-token-refresh'
import { createAuthHandlers } from 'ky-token-refresh/mock-server'
import { startAuthServer } from 'ky-token-refresh/mock-server/node'

const auth = createAuthClient({ ...presets.staticCookie, baseUrl: 'https://api.example.com' })
const json: Promise<unknown> = auth.api.get('protected').json()
const handlers = createAuthHandlers({ baseUrl: 'https://api.example.com' }).handlers
const error: boolean = isAuthError(new AuthError('LOGGED_OUT'))
auth.on('sessionExpired', (expired) => {
  const code:
    | 'LOGIN_FAILED'
    | 'SESSION_EXPIRED'
    | 'REFRESH_FAILED'
    | 'INVALID_RESPONSE'
    | 'LOGGED_OUT'
    | 'LOGOUT_FAILED'
    | 'STORAGE_FAILED' = expired.code
  return code
})

export { error, handlers, json, startAuthServer }
