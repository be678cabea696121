import type { NormalizedOptions } from '../options.ts'
import type { Session } from '../session/session.ts'
import type { Ticket } from '../session/state.ts'
import { abortable } from './abortable.ts'

/** What a fetch receives besides the Request: ky passes the options it does not know (`dispatcher`, Next's `next`). */
type Extra = Record<string, unknown> | undefined

/** A fetch of one Request, with ky's unknown options passed on. */
export type RequestFetch = (request: Request, extra?: Extra) => Promise<Response>

/** Methods that a redirect keeps as they are, and that are safe to send again to where a redirect led. */
const SAFE_METHODS = new Set(['GET', 'HEAD'])

const originOf = (url: string) => new URL(url).origin

/** `input` and `init` as one Request; a relative URL resolves against `baseUrl`, as a URL does (`/x` from its origin). */
export function toRequest(input: RequestInfo | URL, init: RequestInit | undefined, baseUrl: string): Request {
  if (input instanceof Request) return init ? new Request(input, init) : input
  return new Request(new URL(input, baseUrl), init)
}

/** A copy of `request` carrying `token` as its Bearer token; the original is left as it was. */
function withToken(request: Request, token: string | undefined): Request {
  if (token === undefined) return request
  // The referrer is given again: undici's `new Request(request)` drops it, against the Fetch standard.
  const authorized = new Request(request, { referrer: request.referrer, referrerPolicy: request.referrerPolicy })
  authorized.headers.set('authorization', `Bearer ${token}`)
  return authorized
}

/**
 * `fetch` that attaches the session's access token to requests for the allowed origins, and replays once a request
 * that such an origin answered with a `refreshOn` status, with a newer token. It sits below ky (ky's own retries,
 * hooks and timeout are untouched) and is `auth.fetch` as it is, with fetch's own semantics.
 *
 * A request that already carries an `Authorization` header is the caller's: it is sent as it is, never replayed.
 */
export function createAuthorizedFetch(options: NormalizedOptions, session: Session): RequestFetch {
  const { origins, refreshOn } = options
  const fetchWith = (extra: Extra) => (request: Request, ticket: Ticket) =>
    options.fetch(withToken(request, ticket.token), extra)

  /** Whether the answer is about this request's token: not for a redirect to another origin, which dropped it. */
  const isRefusalOfToken = (request: Request, response: Response) =>
    refreshOn.has(response.status) && (!response.redirected || originOf(response.url) === originOf(request.url))

  /** A request redirected to another allowed origin lost its token on the way: sent there again, with it. */
  const followWithToken = (
    request: Request,
    response: Response,
    ticket: Ticket,
    send: ReturnType<typeof fetchWith>,
  ) => {
    const redirectedToAllowed = response.redirected && origins.has(originOf(response.url))
    if (!redirectedToAllowed || !SAFE_METHODS.has(request.method) || !refreshOn.has(response.status)) return response
    response.body?.cancel().catch(() => {})
    return send(new Request(response.url, request), ticket)
  }

  return async function authorizedFetch(request, extra) {
    if (!origins.has(originOf(request.url)) || request.headers.has('authorization'))
      return options.fetch(request, extra)
    const send = fetchWith(extra)
    // The body can be read once only: a copy is kept for the replay.
    const copy = request.body === null ? request : request.clone()
    const ticket = await abortable(session.ticket(), request.signal)
    const response = await send(request, ticket)
    if (!isRefusalOfToken(request, response)) return followWithToken(copy, response, ticket, send)
    const replay = await abortable(session.replayTicket(ticket, response), request.signal)
    response.body?.cancel().catch(() => {})
    return send(copy, replay)
  }
}
