import {
  bagOf,
  fail,
  readBaseUrl,
  readBoolean,
  readChoice,
  readEndpoints,
  readFunction,
  readInteger,
  readOrigins,
  readStatuses,
  readStorage,
} from './option-checks.ts'
import type { AuthClientOptions, AuthEndpoints, RefreshTokenStorage, RefreshTransport } from './option-types.ts'
import { MAX_TIMEOUT } from './option-types.ts'
import { createMemoryStorage, noStorage } from './session/memory-storage.ts'

export type { AuthClientOptions, AuthEndpoints, RefreshTokenStorage, RefreshTransport }

/** The options with every default filled in, checked once at creation. */
export interface NormalizedOptions {
  readonly baseUrl: string
  readonly endpoints: AuthEndpoints
  readonly transport: RefreshTransport
  readonly refreshOn: ReadonlySet<number>
  readonly refreshMargin: number
  /** `baseUrl`'s origin and the allowed ones. */
  readonly origins: ReadonlySet<string>
  /** The caller's adapter, the in-memory one (body transport), or one that keeps nothing (cookie transport). */
  readonly storage: RefreshTokenStorage
  readonly refreshRetries: number
  readonly timeout: number
  readonly fetch: typeof fetch
  readonly crossTab: boolean
}

const ENDPOINTS: AuthEndpoints = { login: 'login', refresh: 'refresh', logout: 'logout' }

/** Defaults filled in, every option checked; a bad one throws a TypeError that names it and says what is expected. */
export function normalizeOptions(options: AuthClientOptions): NormalizedOptions {
  const bag = bagOf(options)
  const base = readBaseUrl(bag, 'baseUrl', globalThis.location?.href)
  const transport = readChoice(bag, 'transport', ['cookie', 'body'], 'cookie')
  const storage = readStorage(bag, 'storage')
  if (storage && transport === 'cookie') fail('storage', 'is for the body transport only')
  const userFetch = readFunction(bag, 'fetch') as typeof fetch | undefined
  return {
    baseUrl: base.href,
    endpoints: readEndpoints(bag, 'endpoints', ENDPOINTS),
    transport,
    refreshOn: new Set(readStatuses(bag, 'refreshOn', [401])),
    refreshMargin: readInteger(bag, 'refreshMargin', 30_000, [0, MAX_TIMEOUT], 'an integer number of milliseconds'),
    origins: new Set([base.origin, ...readOrigins(bag, 'allowedOrigins')]),
    storage: storage ?? (transport === 'body' ? createMemoryStorage() : noStorage),
    refreshRetries: readInteger(bag, 'refreshRetries', 2, [0, 5], 'an integer'),
    timeout: readInteger(bag, 'timeout', 10_000, [1, MAX_TIMEOUT], 'an integer number of milliseconds'),
    // Looked up on each request, so that a fetch patched later (MSW, test doubles) is the one used.
    fetch: userFetch ?? ((input, init) => globalThis.fetch(input, init)),
    // A page has tabs; a server or a script running several clients must not share sessions between them.
    crossTab: readBoolean(bag, 'crossTab', globalThis.document !== undefined),
  }
}
