/**
 * Failed-login throttling: a fixed window of failures per key (an account, a client
 * address). Once a key has used up its failures, logins under it are refused with 429
 * before any password is checked, until its window ends, so guessing costs the
 * attacker time and the server no bcrypt work.
 */

/** Limits of failed logins; a limit of 0 turns that half of the throttle off. */
export interface LoginThrottleOptions {
  /** Failed logins allowed per account in one window. @default 10 */
  readonly maxFailuresPerAccount?: number | undefined
  /** Failed logins allowed per client address in one window. @default 100 */
  readonly maxFailuresPerClient?: number | undefined
  /** Length of the window in seconds, counted from a key's first failure. @default 900 */
  readonly windowSeconds?: number | undefined
}

export interface LoginThrottleConfig {
  readonly maxFailuresPerAccount: number
  readonly maxFailuresPerClient: number
  readonly windowMs: number
}

interface Window {
  readonly endsAt: number
  failures: number
}

export interface FailureCounter {
  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfter(key: string, limit: number): number
  fail(key: string): void
  forget(key: string): void
}

/** Past this many keys, ended windows are swept away, so a flood of random usernames cannot grow memory for ever. */
const SWEEP_ABOVE = 10_000

export function createFailureCounter(windowMs: number, clock: () => number): FailureCounter {
  const windows = new Map<string, Window>()

  const current = (key: string) => {
    const window = windows.get(key)
    if (window && window.endsAt <= clock()) {
      windows.delete(key)
      return undefined
    }
    return window
  }

  const sweep = () => {
    const now = clock()
    for (const [key, window] of windows) if (window.endsAt <= now) windows.delete(key)
  }

  return {
    retryAfter(key, limit) {
      const window = current(key)
      if (limit === 0 || !window || window.failures < limit) return 0
      return Math.max(1, Math.ceil((window.endsAt - clock()) / 1000))
    },
    fail(key) {
      const window = current(key)
      if (window) {
        window.failures++
        return
      }
      if (windows.size >= SWEEP_ABOVE) sweep()
      windows.set(key, { endsAt: clock() + windowMs, failures: 1 })
    },
    forget: (key) => {
      windows.delete(key)
    },
  }
}

/** Both halves of the throttle: what an attempt must wait, and what a failure or a success changes. */
export interface LoginThrottle {
  /** Seconds the attempt must wait (the longer of its account's and its client's), 0 when it may proceed. */
  retryAfter(account: string, client: string): number
  failed(account: string, client: string): void
  /** A successful login clears its account's failures (not its client's: one good account must not launder guesses). */
  succeeded(account: string): void
}

export function createLoginThrottle(config: LoginThrottleConfig | false, clock: () => number): LoginThrottle {
  if (config === false) return { retryAfter: () => 0, failed: () => {}, succeeded: () => {} }
  const counter = createFailureCounter(config.windowMs, clock)
  return {
    retryAfter: (account, client) =>
      Math.max(
        counter.retryAfter(`account:${account}`, config.maxFailuresPerAccount),
        counter.retryAfter(`client:${client}`, config.maxFailuresPerClient),
      ),
    failed(account, client) {
      counter.fail(`account:${account}`)
      counter.fail(`client:${client}`)
    },
    succeeded: (account) => counter.forget(`account:${account}`),
  }
}
