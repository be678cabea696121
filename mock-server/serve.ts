/**
 * `npm start`: the reference server on 127.0.0.1:$PORT, configured by the
 * environment variables of tutorial 000's `.env` (see README, "Environment").
 */
import process from 'node:process'
import { startAuthServer } from './node.ts'
import { profiles, type ProfileName, type RefreshTransport } from './profiles.ts'

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

function secret(name: string): string | undefined {
  const value = process.env[name]
  if (value === undefined || value === '') {
    console.warn(`${name} is not set: using a random secret for this run (tokens will not survive a restart).`)
    return undefined
  }
  return value
}

async function main(): Promise<void> {
  const profile = oneOf('AUTH_PROFILE', Object.keys(profiles) as ProfileName[], 'reference')
  const server = await startAuthServer({
    port: integer('PORT', 3000),
    hostname: '127.0.0.1',
    accessSecret: secret('JWT_SECRET'),
    refreshSecret: secret('JWT_REFRESH_SECRET'),
    accessTokenTtl: integer('JWT_EXPIRATION', 900),
    refreshTokenTtl: integer('JWT_REFRESH_EXPIRATION', 604_800),
    transport: oneOf<RefreshTransport>('REFRESH_TRANSPORT', ['cookie', 'body'], 'cookie'),
    profile,
    reuseGraceSeconds: integer('REFRESH_REUSE_GRACE', 10),
    bcryptCost: integer('BCRYPT_COST', 10),
    allowedOrigins: (process.env.CORS_ORIGINS ?? '').split(',').map((origin) => origin.trim()).filter(Boolean),
  })
  const transport = profiles[profile].transport ?? process.env.REFRESH_TRANSPORT ?? 'cookie'
  console.log(`Auth server (profile ${profile}, refresh token via ${transport}) listening on ${server.url}`)
  console.log('Demo user: user1 / password123')

  const stop = (signal: NodeJS.Signals) => {
    console.log(`${signal} received, closing.`)
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    )
  }
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
}

main().catch((error: unknown) => {
  // A configuration problem is reported in one line, without a stack trace.
  console.error(`Cannot start the auth server: ${error instanceof Error ? error.message : String(error)}`)
  process.exit(1)
})
