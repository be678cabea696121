/**
 * Fake time and the mock's answers. A test runner's fake clock moves on as far as it is told, firing every timer
 * on the way, while an answer of the mock may still be doing real asynchronous work (MSW's socket I/O, an injected
 * `hmac` on a thread pool): the client's timeout then fires first, and its retry presents a spent token. Here the
 * kit counts the answers at work, moves fake time in steps that let them finish, and notices when time jumped
 * over one.
 */
import type { AuthLogger } from './logger.ts'

/** The fake clock of a test runner: vitest's `vi` or jest's `jest`, or its `advanceTimersByTimeAsync` itself. */
export type FakeTimers = { advanceTimersByTimeAsync(milliseconds: number): unknown } | AdvanceTimers

/** Moves a fake clock on by `milliseconds`, running the timers due on the way. */
export type AdvanceTimers = (milliseconds: number) => unknown

/** Fake time moved per step: well under the client's timeouts (10 s by default), so none fires mid-answer. */
export const TIME_STEP_MS = 500

/** Server time (fake or not) an answer may take before the kit says time jumped over it: no real answer does. */
export const JUMP_NOTICE_MS = 5000

/** Real event-loop turns with no answer at work before time moves on: an answer's way back to the client. */
const QUIET_TURNS = 10

/** Real turns an answer may stay at work before the kit stops waiting for it (a store that never answers). */
const MAX_WAIT_TURNS = 100_000

/** One real macrotask, whatever timers are faked (no runner fakes `MessageChannel`). */
function realTurn(): Promise<void> {
  const channel = new MessageChannel()
  return new Promise<void>((resolve) => {
    channel.port1.onmessage = () => {
      channel.port1.close()
      resolve()
    }
    channel.port2.postMessage(undefined)
  })
}

function advancerOf(timers: unknown): AdvanceTimers {
  if (typeof timers === 'function') return timers as AdvanceTimers
  const advance = (timers as { advanceTimersByTimeAsync?: unknown } | null)?.advanceTimersByTimeAsync
  if (typeof timers === 'object' && timers !== null && typeof advance === 'function') {
    return (milliseconds) => advance.call(timers, milliseconds)
  }
  throw new TypeError('`timers` must be your runner’s fake timers (`vi` or `jest`) or its advanceTimersByTimeAsync')
}

/** The answers the kit is working on, and moving fake time around them. */
export interface KitTime {
  /** Marks an answer as at work until the returned function is called. */
  begin(): () => void
  /** Runs `sleep` (an injected delay, on the fake timers) without counting the answer as at work meanwhile. */
  asleep<T>(sleep: Promise<T>): Promise<T>
  /** Moves fake time on by `milliseconds` in steps, letting the answers at work finish between steps. */
  advanceTime(milliseconds: number, timers: FakeTimers): Promise<void>
  /** Says, through the logger, that the clock jumped while `what` was being answered. */
  noticeJump(what: string, movedMs: number): void
}

export function createKitTime(logger: AuthLogger): KitTime {
  let atWork = 0

  async function settled(): Promise<void> {
    for (let quiet = 0, turns = 0; quiet < QUIET_TURNS && turns < MAX_WAIT_TURNS; turns++) {
      quiet = atWork === 0 ? quiet + 1 : 0
      await realTurn()
    }
  }

  return {
    begin() {
      atWork++
      let done = false
      return () => {
        if (!done) atWork--
        done = true
      }
    },
    async asleep(sleep) {
      atWork--
      try {
        return await sleep
      } finally {
        atWork++
      }
    },
    async advanceTime(milliseconds, timers) {
      if (!Number.isFinite(milliseconds) || milliseconds < 0) {
        throw new TypeError('`milliseconds` must be a non-negative number')
      }
      const advance = advancerOf(timers)
      await settled()
      for (let left = milliseconds; left > 0; left -= TIME_STEP_MS) {
        await advance(Math.min(TIME_STEP_MS, left))
        await settled()
      }
    },
    noticeJump(what, movedMs) {
      logger.error(
        `Auth mock: the clock moved ${Math.round(movedMs / 1000)} s while ${what} was being answered, so the ` +
          'client’s timeout may have fired first (it then retries with a spent token: a second refresh, or ' +
          'SESSION_EXPIRED). Move fake time with `await auth.advanceTime(ms, vi)`, which lets the mock answer ' +
          'between steps, instead of one large advanceTimersByTimeAsync.',
        { route: what },
      )
    },
  }
}
