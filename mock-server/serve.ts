/**
 * `npm start`: the reference server on 127.0.0.1:$PORT, configured by the
 * environment variables of tutorial 000's `.env` (see README, "Environment").
 */
import process from 'node:process'
import { type AuthServer, type AuthServerOptions, startAuthServer } from './node.ts'
import { type ProfileName, profiles, type RefreshTransport } from './profiles.ts'
import { openStorage } from './store/open.ts'

class EnvError extends Error {}

function integer(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw new EnvError(`${name} must be a whole number, got "${raw}"`)
  return Number(raw)
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  if (!(allowed as readonly string[]).includes(raw)) throw new EnvError(`${name} must be one of ${allowed.join(', ')}`)
  return raw as T
}

/** A variable's value, `undefined` when it is unset or empty. */
function setting(...names: string[]): string | undefined {
  for (const name of names) if (process.env[name]) return process.env[name]
  return undefined
}

/** The variable behind each option the app validates, so that a refusal names what the user actually set. */
const VARIABLE_OF_OPTION: Readonly<Record<string, string>> = {
  port: 'PORT',
  accessSecret: 'JWT_SECRET',
  refreshSecret: 'JWT_REFRESH_SECRET',
  accessTokenTtl: 'JWT_EXPIRATION',
  refreshTokenTtl: 'JWT_REFRESH_EXPIRATION',
  reuseGraceSeconds: 'REFRESH_REUSE_GRACE',
  bcryptCost: 'BCRYPT_COST',
  allowedOrigins: 'CORS_ORIGINS',
}

/** "The `bcryptCost` option must be ..." becomes "BCRYPT_COST must be ..."; other messages pass unchanged. */
function inVariableTerms(message: string): string {
  return message.replace(
    /(?:The )?`(\w+)`(?: option)?/g,
    (match, option: string) => VARIABLE_OF_OPTION[option] ?? match,
  )
}

async function main(): Promise<void> {
  const profile = oneOf('AUTH_PROFILE', Object.keys(profiles) as ProfileName[], 'reference')
  // Handlers go in before the server listens: a signal right after "listening" must still close it.
  // A repeated signal (npm forwards the one the group already got) does not interrupt the closing.
  let server: AuthServer | undefined
  let storage: { close(): Promise<void> } | undefined
  let closing = false
  const stop = (signal: NodeJS.Signals) => {
    if (closing) return
    closing = true
    console.log(`${signal} received, closing.`)
    ;(server?.close() ?? Promise.resolve())
      .then(() => storage?.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      )
  }
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)

  // Every variable is checked before the storage is opened: a bad PORT creates no database.
  const options: AuthServerOptions = {
    port: integer('PORT', 3000),
    hostname: '127.0.0.1',
    logger: console,
    accessTokenTtl: integer('JWT_EXPIRATION', 900),
    refreshTokenTtl: integer('JWT_REFRESH_EXPIRATION', 604_800),
    transport: oneOf<RefreshTransport>('REFRESH_TRANSPORT', ['cookie', 'body'], 'cookie'),
    profile,
    reuseGraceSeconds: integer('REFRESH_REUSE_GRACE', 10),
    bcryptCost: integer('BCRYPT_COST', 10),
    allowedOrigins: (process.env.CORS_ORIGINS ?? '')
      .split(',')
      .map((origin) => origin.trim())
      .filter(Boolean),
  }
  const opened = await openStorage({
    database: setting('DATABASE', 'AUTH_STORE'),
    accessSecret: setting('JWT_SECRET'),
    refreshSecret: setting('JWT_REFRESH_SECRET'),
    cwd: process.cwd(),
    info: (line) => console.log(line),
    warn: (line) => console.warn(line),
  })
  storage = opened
  server = await startAuthServer({
    ...options,
    store: opened.store,
    accessSecret: opened.accessSecret,
    refreshSecret: opened.refreshSecret,
  })
  const transport = profiles[profile].transport ?? (process.env.REFRESH_TRANSPORT || 'cookie')
  console.log(`Auth server (profile ${profile}, refresh token via ${transport}) listening on ${server.url}`)
  console.log('Demo user: user1 / password123')
}

main().catch((error: unknown) => {
  // A configuration problem is reported in one line, without a stack trace.
  console.error(
    `Cannot start the auth server: ${inVariableTerms(error instanceof Error ? error.message : String(error))}`,
  )
  process.exit(1)
})
