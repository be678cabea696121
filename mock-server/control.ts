/**
 * The test controls over HTTP, under `/__control/`: JSON in, JSON out, bad input a
 * JSON 400. Served by the real server only when asked for (`CONTROL_API=1`), never
 * by default: anyone who can reach it can revoke sessions and forge tokens.
 */
import { type Context, Hono } from 'hono'
import { HttpProblem, problemResponse, readJsonObject } from './http.ts'
import type { AuthRoute, RecordedRequest, TestKit } from './test-kit.ts'
import { ROUTES } from './test-kit.ts'

/** Where the control routes live. */
export const CONTROL_PATH = '/__control'

/** `GET /__control/requests`: every request answered, and how many reached each route. */
export interface RequestsAnswer {
  readonly requests: readonly RecordedRequest[]
  readonly counts: Readonly<Record<AuthRoute, number>>
  readonly total: number
}

const MAX_CONTROL_BODY = 65_536

async function bodyOf(c: Context): Promise<Record<string, unknown>> {
  return readJsonObject(c.req.raw, MAX_CONTROL_BODY)
}

/** Runs a control, answering the TypeError of a bad argument as a 400 that names it. */
async function checked<T>(control: () => T | Promise<T>): Promise<T> {
  try {
    return await control()
  } catch (error) {
    if (error instanceof TypeError) throw new HttpProblem(400, 'invalid_request', error.message)
    throw error
  }
}

function requestsAnswer(kit: TestKit): RequestsAnswer {
  const counts = Object.fromEntries(ROUTES.map(([, route]) => [route, kit.count(route)])) as Record<AuthRoute, number>
  return { requests: kit.requests, counts, total: kit.count() }
}

function numberField(body: Record<string, unknown>, name: string): number {
  const value = body[name]
  if (typeof value !== 'number') throw new HttpProblem(400, 'invalid_request', `"${name}" must be a number`)
  return value
}

/** The control routes of `kit`, as a Hono app to mount at {@link CONTROL_PATH}. */
export function controlRoutes(kit: TestKit): Hono {
  const routes = new Hono()
  routes.get('/requests', (c) => c.json(requestsAnswer(kit)))
  routes.post('/fail-refreshes', async (c) => {
    const body = await bodyOf(c)
    const { times } = await checked(() => kit.failNextRefreshes(body.times as number, body.failure as never))
    return c.json({ queued: times })
  })
  routes.post('/revoke-sessions', async (c) => {
    await kit.revokeAllSessions()
    return c.json({ revoked: true })
  })
  routes.post('/revoke-user-sessions', async (c) => {
    const { username } = await bodyOf(c)
    return c.json({ revoked: await checked(() => kit.revokeSessionsOf(username as string)) })
  })
  routes.post('/end-sessions', (c) => c.json({ now: kit.endSessionsByLifetime() }))
  routes.post('/expire-access-tokens', (c) => {
    kit.expireAccessTokens()
    return c.json({ expired: true })
  })
  routes.get('/clock', (c) => c.json({ now: kit.now() }))
  routes.post('/clock', async (c) => {
    const milliseconds = numberField(await bodyOf(c), 'advanceMs')
    await checked(() => kit.advanceClock(milliseconds))
    return c.json({ now: kit.now() })
  })
  routes.post('/sign-access-token', async (c) => {
    const { claims } = await bodyOf(c)
    if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) {
      throw new HttpProblem(400, 'invalid_request', '"claims" must be a JSON object')
    }
    return c.json({ accessToken: await kit.signAccessToken(claims as Record<string, unknown>) })
  })
  routes.post('/reset', async (c) => {
    // A store the server was given (npm start's SQLite, Redis or memory store) outlives the app that reset
    // recreates: its sessions are revoked first, so that no token issued before the reset still works.
    await kit.app.revokeAllSessions()
    kit.reset()
    return c.json({ reset: true })
  })
  routes.notFound((c) => problemResponse(c, new HttpProblem(404, 'not_found', 'No such control')))
  routes.onError((error, c) =>
    problemResponse(c, error instanceof HttpProblem ? error : new HttpProblem(500, 'server_error', 'Internal error')),
  )
  return routes
}
