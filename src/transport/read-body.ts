import { AuthError } from '../errors.ts'

const timeoutError = () => new DOMException('The answer did not arrive in time', 'TimeoutError')

/** Every chunk of `body`, decoded as UTF-8 text. */
async function readAll(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
  const decoder = new TextDecoder()
  let text = ''
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return text + decoder.decode()
    text += decoder.decode(value, { stream: true })
  }
}

/**
 * The text of `response`'s body, or a rejection with a `TimeoutError` after `timeout` ms: an answer whose body
 * stalls after the headers must not hang the session (ky's timeout stops at the headers). On timeout the body is
 * cancelled through its reader, which closes the connection.
 */
export async function readText(response: Response, timeout: number): Promise<string> {
  const reader = response.body?.getReader()
  if (!reader) return ''
  let timer: ReturnType<typeof setTimeout> | undefined
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timeoutError()), timeout)
  })
  try {
    return await Promise.race([readAll(reader), timedOut])
  } catch (error) {
    reader.cancel(error).catch(() => {})
    throw error
  } finally {
    clearTimeout(timer)
  }
}

/** The parsed JSON body of a successful auth answer; `INVALID_RESPONSE` with its status when it is not JSON. */
export async function readJson(response: Response, timeout: number): Promise<unknown> {
  const text = await readText(response, timeout)
  try {
    return JSON.parse(text)
  } catch (cause) {
    throw new AuthError('INVALID_RESPONSE', { detail: 'the answer must be JSON', status: response.status, cause })
  }
}
