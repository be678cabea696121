import type { AuthError } from '../errors.ts'
import type { JwtPayload } from './access-token.ts'

/** What is known of the current session (decoded, unverified claims). */
export interface SessionInfo {
  readonly claims: JwtPayload | undefined
  /** When the access token counts as expired, in local milliseconds (`Date.now()`); `undefined` when it does not say. */
  readonly expiresAt: number | undefined
}

/** Events and the value each listener receives. */
export interface AuthEvents {
  /** A refresh brought new tokens (proactive, reactive or explicit; not a login here), or another tab's login or refresh did. */
  refreshed: SessionInfo
  /** The session is gone (the refresh token was refused, or there was none): log in again. Once per session. */
  sessionExpired: AuthError
  /** A refresh failed without ending the session (network, timeout, 5xx, malformed answer, offline). */
  refreshFailed: AuthError
  /** The storage adapter failed to keep a new refresh token (`STORAGE_FAILED`); the session goes on in memory. */
  storageFailed: AuthError
  /** The session ended by a logout, in this client or (`elsewhere`) in another tab of the app. */
  loggedOut: { readonly elsewhere: boolean }
}

/** A listener of event `E`, receiving that event's value. */
export type AuthEventListener<E extends keyof AuthEvents> = (payload: AuthEvents[E]) => void

type AnyListener = (payload: never) => void

const EVENT_NAMES = ['refreshed', 'sessionExpired', 'refreshFailed', 'storageFailed', 'loggedOut'] as const

/**
 * Reports a listener's error without letting it escape: `reportError` where the runtime has it (browsers, Deno,
 * Bun: the page's `error` event), else the console (Node, where an uncaught error would end the process).
 */
const reportListenerError = (error: unknown): void => {
  if (typeof globalThis.reportError === 'function') globalThis.reportError(error)
  else console.error('ky-token-refresh: an event listener threw', error)
}

/** The listeners of one client. Each runs in its own microtask, so none runs in the middle of a state change. */
export function createEvents() {
  const listeners = new Map<string, Set<AnyListener>>(EVENT_NAMES.map((name) => [name, new Set()]))

  return {
    emit<E extends keyof AuthEvents>(name: E, payload: AuthEvents[E]): void {
      for (const listener of listeners.get(name) ?? []) {
        queueMicrotask(() => {
          try {
            listener(payload as never)
          } catch (error) {
            reportListenerError(error)
          }
        })
      }
    },

    on<E extends keyof AuthEvents>(name: E, listener: AuthEventListener<E>): () => void {
      const set = listeners.get(name)
      if (!set) throw new TypeError(`\`event\` must be one of ${EVENT_NAMES.join(', ')}`)
      if (typeof listener !== 'function') throw new TypeError('`listener` must be a function')
      set.add(listener as AnyListener)
      return () => {
        set.delete(listener as AnyListener)
      }
    },
  }
}

export type Events = ReturnType<typeof createEvents>
