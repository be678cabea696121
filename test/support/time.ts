/**
 * The one vocabulary for waiting in tests. Fake time (`installFakeClock()` in sdk.ts) moves only when a test moves
 * it, while MSW answers over real I/O: so a test either lets real I/O run with the clock still (`turn`, `idle`,
 * `settle`, `flushDue`, `withoutWaiting`), or moves the clock on until something happened (`drive`, `driveUntil`).
 * Limits are in real time (5 s; 15 s for a promise, which may be a thousand requests) or in fake time, and a
 * failure says what was awaited.
 */
import { expect, vi } from 'vitest'

/** Real milliseconds, whatever the fake clock says (`performance` and `Date` are faked). */
const realMilliseconds = () => Number(process.hrtime.bigint() / 1_000_000n)

/** One real event-loop turn: pending I/O callbacks and microtasks (listeners) run; fake time stays still. */
export const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/** `turns` real event-loop turns: long enough for a request started now to reach the mock, fake time still. */
export async function idle(turns = 50): Promise<void> {
  for (let done = 0; done < turns; done++) await turn()
}

/** Lets real I/O run (fake timers stay still) until `condition` holds; fails after `limit` ms of real time. */
export async function settle(condition: () => boolean, what = 'the condition', limit = 5000): Promise<void> {
  const start = realMilliseconds()
  while (!condition()) {
    if (realMilliseconds() - start > limit) throw new Error(`Timed out waiting for ${what}`)
    await turn()
  }
}

/** `promise`, with a flag that says whether it has settled (its rejection is handled, and kept). */
function tracked<T>(promise: Promise<T>) {
  const state = { settled: false, promise }
  state.promise = promise.finally(() => {
    state.settled = true
  })
  state.promise.catch(() => {})
  return state
}

/**
 * Awaits `promise` while moving the fake clock on in `step` ms increments (for retries with delays). With `busy`,
 * the clock moves only while `busy()` is false (nothing real in progress, such as a server's crypto work, during
 * which moving it could fire timeouts that real time would not), for at most 15 s of real time spent busy.
 */
export async function drive<T>(promise: Promise<T>, step = 50, limit = 120_000, busy = () => false): Promise<T> {
  const waited = tracked(promise)
  for (let elapsed = 0; !waited.settled; elapsed += step) {
    if (elapsed > limit) throw new Error(`Still pending after ${limit} ms of fake time`)
    await turn()
    await settle(() => waited.settled || !busy(), 'the work in progress to finish', 15_000)
    if (!waited.settled) await vi.advanceTimersByTimeAsync(step)
  }
  return waited.promise
}

/**
 * Moves fake time on in `step` ms increments until `condition` holds, then stops. Unlike `drive`, it can stop as
 * soon as a request has arrived, before the mock's real (crypto) work, during which moving the clock on could fire
 * unrelated timeouts.
 */
export async function driveUntil(condition: () => boolean, what: string, step = 10, limit = 60_000): Promise<void> {
  for (let elapsed = 0; !condition(); elapsed += step) {
    if (elapsed > limit) throw new Error(`Timed out waiting for ${what} after ${limit} ms of fake time`)
    await turn()
    if (!condition()) await vi.advanceTimersByTimeAsync(step)
  }
}

/**
 * Awaits `promise` while firing the fake timers that are already due, without moving the clock: for a zero-delay
 * timer on the way (a retry's `delay: 0`). Synchronous ticks: a zero delay set during an async tick would be due
 * 1 ms later and stall the loop. Slow real I/O cannot let fake time run into timeouts or scheduled refreshes.
 */
export async function flushDue<T>(promise: Promise<T>, what = 'the promise', limit = 15_000): Promise<T> {
  const waited = tracked(promise)
  await settle(
    () => {
      if (!waited.settled) vi.advanceTimersByTime(0)
      return waited.settled
    },
    what,
    limit,
  )
  return waited.promise
}

/** {@link flushDue}, and a check that no fake time passed: the promise settled without waiting on any delay. */
export async function withoutWaiting<T>(promise: Promise<T>): Promise<T> {
  const start = Date.now()
  const result = flushDue(promise, 'a settlement without any delay')
  await result.catch(() => {})
  expect(Date.now() - start).toBe(0)
  return result
}
