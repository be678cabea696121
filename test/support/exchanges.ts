/**
 * A `fetch` option for the SDK that records each exchange, then lets the
 * global fetch answer (MSW intercepts it). MSW in Node reports every request's
 * `credentials` as `'same-origin'`, so this is where what the SDK asked for is
 * seen. Tokens are recorded to be compared, never to be printed.
 */

export interface Exchange {
  readonly route: string
  readonly method: string
  readonly credentials: RequestCredentials
  /** The request body as sent. */
  readonly sent: string
  /** The response body as received. */
  readonly received: string
}

const TOKEN_ROUTES = /\/(login|refresh|token|refresh-token)$/

export function recordingFetch() {
  const exchanges: Exchange[] = []
  const fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const request = input instanceof Request && !init ? input : new Request(input, init)
    const sent = await request.clone().text()
    const response = await globalThis.fetch(request)
    exchanges.push({
      route: new URL(request.url).pathname,
      method: request.method,
      credentials: request.credentials,
      sent,
      received: await response.clone().text(),
    })
    return response
  }

  /** Every `field` that login and refresh answers handed out, oldest first. */
  const issued = (field: 'accessToken' | 'refreshToken'): string[] =>
    exchanges.flatMap(({ route, received }) => {
      if (!TOKEN_ROUTES.test(route) || !received.startsWith('{')) return []
      const value = (JSON.parse(received) as Record<string, unknown>)[field]
      return typeof value === 'string' ? [value] : []
    })

  /** The `refreshToken` field of each request body sent to `route` (`undefined` for an empty body). */
  const presented = (route: string): unknown[] =>
    exchanges
      .filter((exchange) => exchange.route === route)
      .map(({ sent }) => (sent ? (JSON.parse(sent) as { refreshToken?: unknown }).refreshToken : undefined))

  return { fetch, exchanges, issued, presented }
}
