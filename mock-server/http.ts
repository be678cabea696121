import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { RefusalBody } from './profiles.ts'

/**
 * Request parsing that never lets bad input through as a 5xx: each failure is
 * an {@link HttpProblem}, answered as a JSON 4xx by the app's error handler.
 */

export class HttpProblem extends Error {
  override readonly name = 'HttpProblem'
  readonly status: number
  readonly error: string
  readonly headers: Readonly<Record<string, string>>
  /** The body a profile words this refusal with, instead of `{ error, message }`. */
  readonly body: RefusalBody | undefined

  constructor(
    status: number,
    error: string,
    message: string,
    headers: Record<string, string> = {},
    body: RefusalBody | undefined = undefined,
  ) {
    super(message)
    this.status = status
    this.error = error
    this.headers = headers
    this.body = body
  }
}

/** A JSON error answer: `{ error, message }` (or the profile's own wording), never a stack trace. */
export function problemResponse(c: Context, problem: HttpProblem): Response {
  c.header('cache-control', 'no-store')
  for (const [name, value] of Object.entries(problem.headers)) c.header(name, value)
  const status = problem.status as ContentfulStatusCode
  if (problem.body && 'html' in problem.body) return c.html(problem.body.html, status)
  if (problem.body && 'text' in problem.body) return c.text(problem.body.text, status)
  if (problem.body) return c.json(problem.body.json, status)
  return c.json({ error: problem.error, message: problem.message }, status)
}

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i

const utf8 = new TextDecoder()

/**
 * Reads a request's body straight from the transport, at most `maxBytes` (else rejecting with
 * {@link payloadTooLarge}); the Node server passes one, which spares building a Web stream per request.
 */
export type BodyReader = (maxBytes: number) => Promise<Uint8Array>

/** The 413 of a body over the limit. */
export function payloadTooLarge(maxBytes: number): HttpProblem {
  return new HttpProblem(413, 'payload_too_large', `The body exceeds ${maxBytes} bytes`)
}

function decodeChunks(chunks: readonly Uint8Array[], size: number): string {
  if (chunks.length === 1) return utf8.decode(chunks[0])
  const joined = new Uint8Array(size)
  let offset = 0
  for (const chunk of chunks) {
    joined.set(chunk, offset)
    offset += chunk.byteLength
  }
  return utf8.decode(joined)
}

/**
 * The body's bytes, refusing with 413 as soon as they exceed `maxBytes`: at once from a
 * `Content-Length` over the limit, else while reading (a chunked body has no length).
 * Read here rather than by middleware that rebuilds the request, which fails on the
 * Node server's own request objects.
 */
async function readText(request: Request, maxBytes: number, readBody: BodyReader | undefined): Promise<string> {
  const tooLarge = () => payloadTooLarge(maxBytes)
  if (Number(request.headers.get('content-length')) > maxBytes) throw tooLarge()
  if (readBody) return utf8.decode(await readBody(maxBytes))
  if (!request.body) return ''
  const chunks: Uint8Array[] = []
  let size = 0
  const reader = request.body.getReader()
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    size += chunk.value.byteLength
    if (size > maxBytes) {
      reader.cancel().catch(() => {})
      throw tooLarge()
    }
    chunks.push(chunk.value)
  }
  // Invalid UTF-8 becomes U+FFFD, as `Request.text()` does; JSON.parse then decides. Decoded here rather than
  // through a Blob, whose `text()` goes through a worker thread and costs milliseconds on a busy machine.
  return decodeChunks(chunks, size)
}

/**
 * The request body as a JSON object; `{}` when there is no body at all (a
 * cookie-borne refresh need not send one). A body over `maxBytes` gets 413.
 */
export async function readJsonObject(
  request: Request,
  maxBytes: number,
  readBody?: BodyReader | undefined,
): Promise<Record<string, unknown>> {
  const text = await readText(request, maxBytes, readBody)
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
