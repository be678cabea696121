/**
 * Injected refresh failures: what each one answers, and the check that a failure
 * handed in by a test (or over the control API, as JSON) is one of them.
 */

/** Statuses whose responses cannot have a body (the Response constructor throws otherwise). */
const NULL_BODY_STATUSES = new Set([204, 205, 304])

/** An answer with this status, and `body` (sent as JSON content) or a JSON error; 204, 205 and 304 take no body. */
export interface FailureAnswer {
  readonly status: number
  readonly body?: string
}

/** How an injected refresh failure answers. */
export type RefreshFailure =
  /** Answer with this status instead of refreshing. */
  | FailureAnswer
  /** Fail like a dropped connection, without the server ever seeing the token. */
  | { readonly networkError: true }
  /** Wait this many milliseconds (on the timers, so fake timers control it), then answer normally. */
  | { readonly delay: number }
  /** Never answer: the client's timeout or abort ends the request (then the server saw nothing); `reset()` too. */
  | { readonly hang: true }
  /**
   * Refresh for real (the rotation is committed, the old token becomes the parent), then lose the answer: a
   * dropped connection or this status reaches the client instead, and no cookie is set.
   */
  | { readonly afterCommit: FailureAnswer | { readonly networkError: true } }

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

function isAnswer(value: Record<string, unknown>): boolean {
  const { status, body } = value
  return (
    Number.isInteger(status) &&
    (status as number) >= 200 &&
    (status as number) <= 599 &&
    (body === undefined || (typeof body === 'string' && !NULL_BODY_STATUSES.has(status as number)))
  )
}

const isNetworkError = (value: Record<string, unknown>) => value.networkError === true

function isLoss(value: unknown): boolean {
  return isObject(value) && ('status' in value ? isAnswer(value) : isNetworkError(value))
}

/** Whether `failure` is a {@link RefreshFailure}; checked field by field, as it may come from JSON. */
export function isRefreshFailure(failure: unknown): failure is RefreshFailure {
  if (!isObject(failure)) return false
  if ('status' in failure) return isAnswer(failure)
  if ('networkError' in failure) return isNetworkError(failure)
  if ('delay' in failure) return Number.isFinite(failure.delay) && (failure.delay as number) >= 0
  if ('hang' in failure) return failure.hang === true
  if ('afterCommit' in failure) return isLoss(failure.afterCommit)
  return false
}

export const FAILURE_EXPECTED =
  '`failure` must be { status, body? }, { networkError: true }, { delay }, { hang: true } or { afterCommit: { status, body? } | { networkError: true } }'

/** The answer of an injected `{ status, body? }` failure. */
export function injectedResponse({ status, body }: FailureAnswer): Response {
  if (NULL_BODY_STATUSES.has(status)) return new Response(null, { status })
  const text = body ?? JSON.stringify({ error: 'injected_failure', message: 'Injected by failNextRefreshes' })
  return new Response(text, { status, headers: { 'content-type': 'application/json' } })
}
