/**
 * The settings of `npm start` that concern HTTP (listening address, control API,
 * request log, cookie, throttle, seed users), read from the environment once at
 * start-up. Each bad value is an {@link EnvError} naming its variable.
 */
import { readFileSync } from 'node:fs'
import { formatRequestLine } from './log.ts'
import type { AuthServerOptions } from './node.ts'
import type { SeedUser } from './options.ts'

export type EnvErrorCode = 'ENV_INVALID' | 'ENV_UNREADABLE'

/** A setting that cannot be used; its message names the variable and never repeats a secret. */
export class EnvError extends Error {
  override readonly name = 'EnvError'
  readonly code: EnvErrorCode
  constructor(code: EnvErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}

type Env = Readonly<Record<string, string | undefined>>

const set = (env: Env, name: string) => (env[name] === undefined || env[name] === '' ? undefined : env[name])

function flag(env: Env, name: string): boolean {
  const raw = set(env, name)
  if (raw === undefined || raw === '0' || raw === 'false') return false
  if (raw === '1' || raw === 'true') return true
  throw new EnvError('ENV_INVALID', `${name} must be 1 or 0 (true or false)`)
}

function whole(env: Env, name: string): number | undefined {
  const raw = set(env, name)
  if (raw === undefined) return undefined
  if (!/^\d+$/.test(raw)) throw new EnvError('ENV_INVALID', `${name} must be a whole number, got "${raw}"`)
  return Number(raw)
}

function sameSite(env: Env): 'Strict' | 'Lax' | 'None' | undefined {
  const raw = set(env, 'COOKIE_SAMESITE')
  if (raw === undefined) return undefined
  const value = `${raw[0]?.toUpperCase()}${raw.slice(1).toLowerCase()}`
  if (value !== 'Strict' && value !== 'Lax' && value !== 'None') {
    throw new EnvError('ENV_INVALID', 'COOKIE_SAMESITE must be one of Strict, Lax, None')
  }
  return value
}

/** SEED_USERS: a path to a JSON file holding an array of users (or, starting with `[`, the JSON itself). */
function seedUsers(env: Env): readonly SeedUser[] | undefined {
  const raw = set(env, 'SEED_USERS')
  if (raw === undefined) return undefined
  let text = raw
  if (!raw.trimStart().startsWith('[')) {
    try {
      text = readFileSync(raw, 'utf8')
    } catch (error) {
      throw new EnvError('ENV_UNREADABLE', `SEED_USERS names a file that cannot be read: ${raw}`, { cause: error })
    }
  }
  try {
    return JSON.parse(text) as readonly SeedUser[]
  } catch (error) {
    // The file holds passwords: its content is never echoed.
    throw new EnvError('ENV_INVALID', 'SEED_USERS must hold a JSON array of { username or email, password, claims? }', {
      cause: error,
    })
  }
}

/** The HTTP-side options of `npm start`; `print` receives each request's log line unless LOG=silent. */
export function httpSettingsOf(env: Env, print: (line: string) => void): AuthServerOptions {
  const log = set(env, 'LOG') ?? 'requests'
  if (log !== 'silent' && log !== 'requests') throw new EnvError('ENV_INVALID', 'LOG must be one of requests, silent')
  const settings: AuthServerOptions = {
    hostname: set(env, 'HOST') ?? '127.0.0.1',
    controlApi: flag(env, 'CONTROL_API'),
    trustProxy: flag(env, 'TRUST_PROXY'),
    cookie: { name: set(env, 'COOKIE_NAME'), path: set(env, 'COOKIE_PATH'), sameSite: sameSite(env) },
    loginThrottle: {
      maxFailuresPerAccount: whole(env, 'LOGIN_MAX_FAILURES_PER_ACCOUNT'),
      maxFailuresPerClient: whole(env, 'LOGIN_MAX_FAILURES_PER_CLIENT'),
      windowSeconds: whole(env, 'LOGIN_FAILURE_WINDOW'),
    },
    seedUsers: seedUsers(env),
  }
  if (log === 'requests') settings.requestLog = (entry) => print(formatRequestLine(entry))
  return settings
}
