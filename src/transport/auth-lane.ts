/**
 * Runs the auth calls (login, refresh, logout) one after the other, so that they never overlap on the wire: a
 * login sent while a refresh of the old session is in flight could otherwise get its cookie overwritten by that
 * refresh's late answer. Each call is bounded in time, so a waiting one is too. A failure does not stop the lane.
 */
export function createAuthLane() {
  let last: Promise<unknown> = Promise.resolve()
  return {
    run<T>(call: () => Promise<T>): Promise<T> {
      const next = last.then(call, call)
      last = next.catch(() => {})
      return next
    },
  }
}

export type AuthLane = ReturnType<typeof createAuthLane>
