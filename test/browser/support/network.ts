/** Chromium's own record of a request, through the DevTools protocol: what the page itself cannot see. */
import type { BrowserContext, Page } from 'playwright-core'

export interface NetworkRecord {
  /** The status the server answered. */
  status?: number
  /** Why CORS kept the answer from the page, such as `MissingAllowOriginHeader`. */
  corsError?: string
}

/**
 * What the network saw of the request to `url` from `page`, as Chromium's DevTools protocol reports it: the
 * status the server answered, and the CORS error that kept the answer from the page, if any. Resolves once
 * the request has ended (the protocol's events may trail the page's own view of it).
 */
export async function watchNetwork(
  context: BrowserContext,
  page: Page,
  url: string,
): Promise<() => Promise<NetworkRecord>> {
  const cdp = await context.newCDPSession(page)
  await cdp.send('Network.enable')
  // The protocol's ExtraInfo events may arrive before or after `requestWillBeSent`: keep every request's
  // facts by id, and decide once the request to `url` is known.
  let id: string | undefined
  const statuses = new Map<string, number>()
  const ends = new Map<string, string | undefined>()
  let resolve: (value: NetworkRecord) => void = () => {}
  const complete = new Promise<NetworkRecord>((done) => {
    resolve = done
  })
  const check = () => {
    if (id === undefined || !statuses.has(id) || !ends.has(id)) return
    const corsError = ends.get(id)
    resolve({ status: statuses.get(id) as number, ...(corsError === undefined ? {} : { corsError }) })
  }
  cdp.on('Network.requestWillBeSent', (event) => {
    if (event.request.url === url) id ??= event.requestId
    check()
  })
  cdp.on('Network.responseReceivedExtraInfo', (event) => {
    statuses.set(event.requestId, event.statusCode)
    check()
  })
  const end = (event: { requestId: string; corsErrorStatus?: { corsError: string } }) => {
    ends.set(event.requestId, event.corsErrorStatus?.corsError)
    check()
  }
  cdp.on('Network.loadingFailed', end)
  cdp.on('Network.loadingFinished', end)
  return () =>
    Promise.race([
      complete,
      new Promise<never>((_, reject) => {
        setTimeout(() => reject(new Error(`No complete network record of ${url} within 5 s`)), 5000).unref()
      }),
    ])
}
