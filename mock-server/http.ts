import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/**
 * Request parsing that never lets bad input through as a 5xx: each failure is
 * an {@link HttpProblem}, answered as a JSON 4xx by the app's error handler.
 */

export class HttpProblem extends Error {
  override readonly name = 'HttpProblem'
  readonly status: number
  readonly error: string
  readonly headers: Readonly<Record<string, string>>

  constructor(status: number, error: string, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.status = status
    this.error = error
    this.headers = headers
  }
}

/** A JSON error answer: `{ error, message }`, never a stack trace. */
export function problemResponse(c: Context, problem: HttpProblem): Response {
  c.header('cache-control', 'no-store')
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value)
  return c.json({ error: problem.error, message: problem.message }, problem.status as ContentfulStatusCode)
}

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i

/**
 * The request body as a JSON object; `{}` when there is no body at all (a
 * cookie-borne refresh need not send one). Bodies above the size limit were
 * already refused with 413 by the body-limit middleware.
 */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const text = await request.text()
  if (text === '') return {}
  if (!JSON_MEDIA_TYPE.test(request.headers.get('content-type') ?? '')) {
    throw new HttpProblem(415, 'unsupported_media_type', 'The body must be sent as application/json')
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new HttpProblem(400, 'invalid_request', 'The body is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpProblem(400, 'invalid_request', 'The body must be a JSON object')
  }
  return value as Record<string, unknown>
}

/** `body[name]` when it is a string; `undefined` when absent; 400 for any other type. */
export function optionalString(body: Record<string, unknown>, name: string): string | undefined {
  const value = body[name]
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') throw new HttpProblem(400, 'invalid_request', `"${name}" must be a string`)
  return value
}

export function requiredString(body: Record<string, unknown>, name: string): string {
  const value = optionalString(body, name)
  if (value === undefined) throw new HttpProblem(400, 'invalid_request', `"${name}" is required`)
  return value
}
