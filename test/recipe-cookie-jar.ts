// This file is README's "A cookie jar for Node, Bun and Deno" recipe, verbatim (test/readme.test.ts checks it).

/** A fetch that keeps the cookies `origin` sets and sends them back to it, as a browser does. */
export function fetchWithCookies(origin: string): typeof fetch {
  const jar = new Map<string, string>()
  return async (input, init) => {
    const request = new Request(input, init)
    const ours = new URL(request.url).origin === origin
    if (ours && jar.size > 0) {
      request.headers.set('cookie', [...jar].map(([name, value]) => `${name}=${value}`).join('; '))
    }
    const response = await fetch(request)
    for (const line of ours ? response.headers.getSetCookie() : []) {
      const [pair = '', ...attributes] = line.split(';')
      const name = pair.slice(0, pair.indexOf('=')).trim()
      const value = pair.slice(pair.indexOf('=') + 1).trim()
      const expired = value === '' || attributes.some((attribute) => /^\s*max-age\s*=\s*(0|-)/i.test(attribute))
      if (expired) jar.delete(name)
      else jar.set(name, value)
    }
    return response
  }
}

// const auth = createAuthClient({ baseUrl: API, fetch: fetchWithCookies(new URL(API).origin) })
