/** The HttpOnly cookie that carries the refresh token (tutorial 001's), with the attributes the options chose. */
import type { Context } from 'hono'
import { generateCookie } from 'hono/cookie'
import { parse as parseCookies } from 'hono/utils/cookie'
import type { CookieChannel } from './app.ts'
import type { AppConfig } from './options.ts'

/** The longest cookie lifetime browsers keep (RFC 6265bis: 400 days), in seconds. */
const MAX_COOKIE_AGE = 400 * 24 * 60 * 60

type CookieContext = Context<{ Bindings: { cookies?: CookieChannel } }>

export interface RefreshCookie {
  read(c: CookieContext): string | undefined
  /** Sets the cookie for `maxAge` seconds; 0 expires it. */
  write(c: CookieContext, value: string, maxAge: number): void
}

export function createRefreshCookie({ name, path, sameSite }: AppConfig['cookie']): RefreshCookie {
  return {
    read(c) {
      const header = c.req.header('cookie') ?? c.env?.cookies?.read()
      return header ? parseCookies(header, name)[name] : undefined
    },
    write(c, value, maxAge) {
      // Browsers keep a cookie at most 400 days (RFC 6265bis), and Hono refuses a longer Max-Age.
      const setCookie = generateCookie(name, value, {
        httpOnly: true,
        secure: true,
        sameSite,
        path,
        maxAge: Math.min(maxAge, MAX_COOKIE_AGE),
      })
      c.header('set-cookie', setCookie, { append: true })
      c.env?.cookies?.write(setCookie)
    },
  }
}
