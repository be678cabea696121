/**
 * `value` (a promise or not), or the rejection of `signal`'s abort: aborting stops this caller's wait, never the
 * work waited for (a refresh shared with other callers). The abort listener is removed once the wait is over.
 */
export function abortable<T>(value: T | Promise<T>, signal: AbortSignal | null | undefined): T | Promise<T> {
  if (!(value instanceof Promise) || !signal) return value
  if (signal.aborted) {
    // The work goes on for its other waiters; its failure, which this caller no longer waits for, is handled here.
    value.catch(() => {})
    return Promise.reject(signal.reason)
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    value.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}
