import type { AuthEndpoints, RefreshTokenStorage } from './option-types.ts'

/** The options object, read one option at a time; an option set to `undefined` takes its default (`null` does not). */
export type OptionBag = Readonly<Record<string, unknown>>

/** Throws a TypeError naming the option and what it must be (never its value, which may be a secret). */
export const fail = (name: string, expected: string): never => {
  throw new TypeError(`\`${name}\` ${expected}`)
}

const isFunction = (value: unknown): value is (...args: never[]) => unknown => typeof value === 'function'

const isHttp = (url: URL) => url.protocol === 'http:' || url.protocol === 'https:'

/** `value` as a URL, or `undefined` when it is none. */
const parseUrl = (value: string, base?: string): URL | undefined => {
  try {
    return new URL(value, base)
  } catch {
    return undefined
  }
}

/** `value` as an origin (`https://host:port`), or `undefined` when it is anything more or less than one. */
const originOf = (value: unknown): string | undefined => {
  if (typeof value !== 'string' || /[*?#]/.test(value)) return undefined
  const url = parseUrl(value)
  const bare = url && isHttp(url) && !url.username && !url.password && url.pathname === '/'
  return bare ? url.origin : undefined
}

/** The option `name`, or `fallback` when it is `undefined`. */
const given = <T>(bag: OptionBag, name: string, fallback: T): unknown =>
  bag[name] === undefined ? fallback : bag[name]

/** A list given as one value is taken as a list of one. */
const listOf = (value: unknown): unknown[] => (Array.isArray(value) ? value : [value])

/** `options` as a bag of options; a TypeError unless it is an object. */
export function bagOf(options: unknown): OptionBag {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object with at least `baseUrl`')
  return options as OptionBag
}

/** An http(s) URL without credentials, absolute or relative to `page`, ending in a slash. */
export function readBaseUrl(bag: OptionBag, name: string, page: string | undefined): URL {
  const given = bag[name]
  const url = typeof given === 'string' || given instanceof URL ? parseUrl(String(given), page) : undefined
  if (!url || !isHttp(url) || url.username || url.password) {
    return fail(name, 'must be an http(s) URL without credentials, absolute or relative to the page')
  }
  url.pathname = url.pathname.replace(/\/?$/, '/')
  return url
}

export function readChoice<const T extends string>(
  bag: OptionBag,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const chosen = given(bag, name, fallback)
  if (!choices.includes(chosen as T)) fail(name, `must be ${choices.map((choice) => `'${choice}'`).join(' or ')}`)
  return chosen as T
}

const inRange = (value: unknown, min: number, max: number): value is number =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= max

export function readInteger(bag: OptionBag, name: string, fallback: number, range: [number, number], what: string) {
  const chosen = given(bag, name, fallback)
  if (!inRange(chosen, ...range)) fail(name, `must be ${what} from ${range[0]} to ${range[1]}`)
  return chosen as number
}

export function readStatuses(bag: OptionBag, name: string, fallback: number[]): number[] {
  const chosen = listOf(given(bag, name, fallback))
  if (!chosen.length || !chosen.every((entry) => inRange(entry, 400, 599))) {
    fail(name, 'must be a list of HTTP statuses from 400 to 599')
  }
  return chosen as number[]
}

export function readOrigins(bag: OptionBag, name: string): string[] {
  return listOf(given(bag, name, [])).map(
    (entry) =>
      originOf(entry) ??
      fail(name, "must be a list of origins such as 'https://files.example.com' (no path, wildcard or credentials)"),
  )
}

export function readEndpoints(bag: OptionBag, name: string, defaults: AuthEndpoints): AuthEndpoints {
  const routes = given(bag, name, {})
  if (typeof routes !== 'object' || routes === null) fail(name, 'must be an object of route paths')
  const path = (key: keyof AuthEndpoints) => given(routes as OptionBag, key, defaults[key])
  const route = (key: 'login' | 'refresh') => {
    const value = path(key)
    return typeof value === 'string' && value !== '' ? value : fail(`${name}.${key}`, 'must be a non-empty path')
  }
  const logout = path('logout')
  if (!(logout === false || (typeof logout === 'string' && logout !== ''))) {
    fail(`${name}.logout`, 'must be a non-empty path, or false')
  }
  return { login: route('login'), refresh: route('refresh'), logout: logout as string | false }
}

/** A storage adapter; `null` and `undefined` mean none. */
export function readStorage(bag: OptionBag, name: string): RefreshTokenStorage | undefined {
  const adapter = bag[name] as Partial<RefreshTokenStorage> | null | undefined
  if (adapter == null) return undefined
  if (!(isFunction(adapter.get) && isFunction(adapter.set) && isFunction(adapter.remove))) {
    fail(name, 'must be an object with get, set and remove methods')
  }
  return adapter as RefreshTokenStorage
}

/** A function; `null` and `undefined` mean none. */
export function readFunction(bag: OptionBag, name: string): unknown {
  const value = bag[name]
  if (value != null && !isFunction(value)) fail(name, 'must be a function')
  return value ?? undefined
}

export function readBoolean(bag: OptionBag, name: string, fallback: boolean): boolean {
  const chosen = given(bag, name, fallback)
  if (typeof chosen !== 'boolean') fail(name, 'must be true or false')
  return chosen as boolean
}
