/**
 * `npm start`: the reference server on 127.0.0.1:$PORT, configured by the
 * environment variables of tutorial 000's `.env` (see README, "Environment").
 */
import process from 'node:process'
import { buildDemoPage, demoHome } from '../scripts/demo/build-demo.ts'
import { EnvError, httpSettingsOf } from './env.ts'
import { type AuthServer, type AuthServerOptions, isLoopback, startAuthServer } from './node.ts'
import { DEFAULT_ACCESS_TOKEN_TTL, DEFAULT_REFRESH_TOKEN_TTL } from './options.ts'
import { type ProfileName, profiles, type RefreshTransport } from './profiles.ts'
import { openStorage } from './store/open.ts'

function integer(name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  if (!/^\d+$/.test(raw)) throw new EnvError('ENV_INVALID', `${name} must be a whole number, got "${raw}"`)
  return Number(raw)
}

function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  if (!(allowed as readonly string[]).includes(raw))
    throw new EnvError('ENV_INVALID', `${name} must be one of ${allowed.join(', ')}`)
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
  hostname: 'HOST',
  controlApi: 'CONTROL_API',
  trustProxy: 'TRUST_PROXY',
  'cookie.name': 'COOKIE_NAME',
  'cookie.path': 'COOKIE_PATH',
  'cookie.sameSite': 'COOKIE_SAMESITE',
  'loginThrottle.maxFailuresPerAccount': 'LOGIN_MAX_FAILURES_PER_ACCOUNT',
  'loginThrottle.maxFailuresPerClient': 'LOGIN_MAX_FAILURES_PER_CLIENT',
  'loginThrottle.windowSeconds': 'LOGIN_FAILURE_WINDOW',
}

/** The variable behind an option path; a seeded user's fields are named within SEED_USERS. */
const variableOf = (option: string) =>
  VARIABLE_OF_OPTION[option] ?? (option.startsWith('seedUsers') ? option.replace('seedUsers', 'SEED_USERS') : undefined)

/** "The `bcryptCost` option must be ..." becomes "BCRYPT_COST must be ..."; other messages pass unchanged. */
function inVariableTerms(message: string): string {
  return message.replace(/(?:The )?`([\w.[\]]+)`(?: option)?/g, (match, option: string) => variableOf(option) ?? match)
}

/** The address to print: `localhost` for loopback, the site a dev server on localhost shares its cookies with. */
function printedUrl(url: string, hostname: string): string {
  const { port } = new URL(url)
  return isLoopback(hostname) || hostname === '0.0.0.0' || hostname === '::' ? `http://localhost:${port}` : url
}

/**
 * npm forwards SIGINT and SIGTERM to node (the script `exec`s it in place of npm's shell), but an npm killed
 * outright forwards nothing, nor does a shell that runs node as its child: when the parent goes, node closes.
 */
function closeWhenOrphaned(stop: (reason: string) => void): void {
  const parent = process.ppid
  setInterval(() => {
    // A signal to the whole process group ends the parent too: its own handler, just behind, names the reason.
    if (process.ppid !== parent) setTimeout(() => stop('Parent process exited'), 100).unref()
  }, 200).unref()
}

/** The demo page speaks the reference protocol over the cookie transport: `GET /` serves it then, else the plain page. */
async function demoHomeFor(profile: ProfileName, transport: string): Promise<Pick<AuthServerOptions, 'home'>> {
  return profile === 'reference' && transport === 'cookie' ? { home: demoHome(await buildDemoPage()) } : {}
}

async function main(): Promise<void> {
  const profile = oneOf('AUTH_PROFILE', Object.keys(profiles) as ProfileName[], 'reference')
  // Handlers go in before the server listens: a signal right after "listening" must still close it.
  // A repeated signal (npm forwards the one the group already got) does not interrupt the closing.
  let server: AuthServer | undefined
  let storage: { close(): Promise<void> } | undefined
  let closing = false
  const stop = (reason: string) => {
    if (closing) return
    closing = true
    console.log(`${reason}${/^SIG/.test(reason) ? ' received' : ''}, closing.`)
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
  const http = httpSettingsOf(process.env, (line) => console.log(line))
  const hostname = http.hostname ?? '127.0.0.1'
  if (!isLoopback(hostname) && !http.controlApi) {
    console.warn(`HOST=${hostname} is not a loopback address: the server will be reachable from the network.`)
  }
  const options: AuthServerOptions = {
    ...http,
    // This process serves nothing else: the node-server may swap in its faster Request and Response.
    lightweightGlobals: true,
    port: integer('PORT', 3000),
    logger: console,
    accessTokenTtl: integer('JWT_EXPIRATION', DEFAULT_ACCESS_TOKEN_TTL),
    refreshTokenTtl: integer('JWT_REFRESH_EXPIRATION', DEFAULT_REFRESH_TOKEN_TTL),
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
  const transport = profiles[profile].transport ?? (process.env.REFRESH_TRANSPORT || 'cookie')
  const home = await demoHomeFor(profile, transport)
  const { store, accessSecret, refreshSecret } = opened
  server = await startAuthServer({ ...options, ...home, store, accessSecret, refreshSecret })
  closeWhenOrphaned(stop)
  const url = printedUrl(server.url, hostname)
  console.log(`Auth server (profile ${profile}, refresh token via ${transport}) listening on ${url}`)
  console.log(home.home ? `Demo page: ${url}/ (user1 / password123)` : 'Demo user: user1 / password123')
  if (http.controlApi) console.log(`Test controls enabled under ${url}/__control/`)
}

main().catch((error: unknown) => {
  // A configuration problem is reported in one line, without a stack trace.
  console.error(
    `Cannot start the auth server: ${inVariableTerms(error instanceof Error ? error.message : String(error))}`,
  )
  process.exit(1)
})
