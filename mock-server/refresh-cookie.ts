/** The HttpOnly cookie that carries the refresh token (tutorial 001's), with the attributes the options chose. */
import type { Context } from 'hono'
import { generateCookie } from 'hono/cookie'
import { parse as parseCookies } from 'hono/utils/cookie'
import type { CookieChannel } from './connection.ts'
import type { AppConfig } from './options.ts'

/** The longest cookie lifetime browsers keep (RFC 6265bis: 400 days), in seconds. */
const MAX_COOKIE_AGE = 400 * 24 * 60 * 60

type CookieContext = Context<{ Bindings: { cookies?: CookieChannel } }>

export interface RefreshCookie {
  read(c: CookieContext): string | undefined
  /** Sets the cookie for `maxAge` seconds; 0 expires it. */
  write(c: CookieContext, value: string, maxAge: number): void
  /**
   * The `Set-Cookie` value that sets the cookie for `maxAge` seconds, for an answer built without `c` (its cookie
   * channel, when the transport has one, receives it here).
   */
  setCookie(c: CookieContext, value: string, maxAge: number): string
}

export function createRefreshCookie({ name, path, sameSite }: AppConfig['cookie']): RefreshCookie {
  const setCookie = (c: CookieContext, value: string, maxAge: number) => {
    // Browsers keep a cookie at most 400 days (RFC 6265bis), and Hono refuses a longer Max-Age.
    const header = generateCookie(name, value, {
      httpOnly: true,
      secure: true,
      sameSite,
      path,
      maxAge: Math.min(maxAge, MAX_COOKIE_AGE),
    })
    c.env?.cookies?.write(header)
    return header
  }
  return {
    read(c) {
      const header = c.req.header('cookie') ?? c.env?.cookies?.read()
      return header ? parseCookies(header, name)[name] : undefined
    },
    write(c, value, maxAge) {
      c.header('set-cookie', setCookie(c, value, maxAge), { append: true })
    },
    setCookie,
  }
}
