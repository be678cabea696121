/**
 * What a real server answers besides the protocol: `GET /health`, `GET /` (a hook for a
 * demo page) and, when enabled, the control API; every other request goes to the app,
 * through the test kit when controls are on. Runtime-neutral: node.ts serves it.
 */
import { Hono } from 'hono'
import type { AuthApp, ClientConnection } from './app.ts'
import { CONTROL_PATH, controlRoutes } from './control.ts'
import type { AuthRoute, TestKit } from './test-kit.ts'
import { ROUTES } from './test-kit.ts'

/** Answers `GET /`; the default names the server, its routes and the demo user. */
export type HomeRoute = (request: Request) => Response | Promise<Response>

/** What the HTTP server knows of one request's connection. */
export interface ServerDelivery {
  readonly client?: ClientConnection | undefined
  /** Drops the connection without an answer. */
  networkError(): Response
}

export type ServerFetch = (request: Request, delivery: ServerDelivery) => Promise<Response>

type Target = { readonly app: AuthApp; readonly kit?: undefined } | { readonly app?: undefined; readonly kit: TestKit }

function routeOf(request: Request, basePath: string): AuthRoute | undefined {
  const { pathname } = new URL(request.url)
  const method = request.method.toLowerCase()
  return ROUTES.find(([routeMethod, route]) => routeMethod === method && pathname === basePath + route)?.[1]
}

export function createServerFetch(target: Target, basePath: string, home: HomeRoute): ServerFetch {
  const own = new Hono<{ Bindings: ServerDelivery }>()
  own.get('/health', (c) => c.json({ status: 'ok' }))
  own.get('/', (c) => home(c.req.raw))
  if (target.kit) own.route(CONTROL_PATH, controlRoutes(target.kit))
  own.all('*', (c) => {
    const { client } = c.env
    if (!target.kit) return target.app.fetch(c.req.raw, undefined, client)
    const route = routeOf(c.req.raw, basePath)
    return route ? target.kit.answer(route, c.req.raw, c.env) : target.kit.app.fetch(c.req.raw, undefined, client)
  })
  if (target.kit) return async (request, delivery) => own.fetch(request, delivery)
  const { app } = target
  // Without the controls, the own routes above answer only GET (and HEAD): any other method (the protocol's POSTs)
  // would fall through to the app anyway, so it goes there directly, sparing a second router and context.
  return async (request, delivery) =>
    request.method === 'GET' || request.method === 'HEAD'
      ? own.fetch(request, delivery)
      : app.fetch(request, undefined, delivery.client)
}
