/**
 * `ky-token-refresh/mock-server`: the documented auth protocol as a fetch app,
 * and the same app behind MSW handlers. Runtime-neutral: runs in Node, in
 * browsers (with `setupWorker`), Deno, Bun and workers. The Node HTTP server
 * lives in `ky-token-refresh/mock-server/node`.
 */
export { type AuthApp, type ClientConnection, type CookieChannel, createAuthApp, REFRESH_COOKIE } from './app.ts'
export type { FetchFunction } from './direct-fetch.ts'
export {
  type ControlClient,
  type ControlClientOptions,
  ControlError,
  type ControlErrorCode,
  createControlClient,
  isControlError,
  type RequestsAnswer,
} from './e2e.ts'
export type { FailureAnswer } from './failures.ts'
export {
  type AuthHandlers,
  type AuthHandlersOptions,
  type AuthRoute,
  createAuthHandlers,
  type QueuedFailure,
  REFRESH_ROUTES,
  type RecordedRequest,
  type RefreshFailure,
} from './handlers.ts'
export type { HmacSha256 } from './jwt.ts'
export type { AdvanceTimers, FakeTimers } from './kit-time.ts'
export type { AuthLogger, LogDetails } from './logger.ts'
export { type AuthAppOptions, DEMO_USER, type DemoUser, type RefreshCookieOptions, type SeedUser } from './options.ts'
export {
  type AuthProfile,
  type ProfileName,
  profiles,
  type RefreshTransport,
  type Refusal,
  type RefusalBody,
  type TutorialClaim,
} from './profiles.ts'
export {
  type AuthStore,
  createMemoryStore,
  type FamilyHead,
  type ReplacedToken,
  type StoredUser,
  type TokenFamily,
} from './store.ts'
export type { TestControls } from './test-kit.ts'
export type { LoginThrottleOptions } from './throttle.ts'
