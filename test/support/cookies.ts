/** Reading `Set-Cookie` headers in tests. */

export interface SetCookie {
  readonly name: string
  readonly value: string
  /** Attribute names lower-cased; flag attributes map to `true`. */
  readonly attributes: Readonly<Record<string, string | true>>
}

export function setCookies(response: Response): SetCookie[] {
  return response.headers.getSetCookie().map((header) => {
    const [pair = '', ...parts] = header.split(';').map((part) => part.trim())
    const separator = pair.indexOf('=')
    const attributes: Record<string, string | true> = {}
    for (const part of parts) {
      const [key = '', ...value] = part.split('=')
      attributes[key.toLowerCase()] = value.length > 0 ? value.join('=') : true
    }
    return { name: pair.slice(0, separator), value: pair.slice(separator + 1), attributes }
  })
}

export function setCookie(response: Response, name: string): SetCookie | undefined {
  return setCookies(response).find((cookie) => cookie.name === name)
}
