/**
 * The accounts of one app: seeding (the demo user, seeded users and their claims),
 * registration, and checking a login's password under the failed-login throttle.
 */
import { compare, hash, truncates } from 'bcryptjs'
import { HttpProblem } from './http.ts'
import { type AppConfig, randomSecret, type SeedUser } from './options.ts'
import type { Refusal } from './profiles.ts'
import type { StoredUser } from './store.ts'
import { createLoginThrottle } from './throttle.ts'
import { loginKeyOf, normalizeIdentifier } from './usernames.ts'

/** Refusals that must not tell an unknown user from a wrong password: one constant answer. */
const INVALID_CREDENTIALS = 'Invalid credentials'

export interface Accounts {
  /** Creates the account, or answers 409 when its login is taken. */
  register(login: string, password: string): Promise<StoredUser>
  /** The user whose password this is; 429 while throttled, the profile's refusal when wrong. */
  verify(login: string, password: string, client: string): Promise<StoredUser>
  /** Claims a seeded user's access tokens carry. */
  claimsOf(userId: string): Readonly<Record<string, unknown>>
}

function checkPassword(password: string): void {
  if (password.length < 8 || truncates(password)) {
    throw new HttpProblem(400, 'invalid_request', '"password" must be 8 to 72 bytes long')
  }
}

function seededLogin(user: SeedUser): string {
  return user.email === undefined
    ? loginKeyOf(normalizeIdentifier(user.username as string, 'username'))
    : loginKeyOf(normalizeIdentifier(user.email, 'email'))
}

export function createAccounts(config: AppConfig): Accounts {
  const { store, profile } = config
  const claims = new Map<string, Readonly<Record<string, unknown>>>()
  const throttle = createLoginThrottle(config.loginThrottle, config.clock)

  const seed = async () => {
    if (config.demoUser) {
      const { username, password } = config.demoUser
      const login = loginKeyOf(normalizeIdentifier(username, 'username'))
      await store.insertUser({ id: '1', login, passwordHash: await hash(password, config.bcryptCost) })
    }
    for (const [index, user] of config.seedUsers.entries()) {
      const id = String(index + 2)
      await store.insertUser({
        id,
        login: seededLogin(user),
        passwordHash: await hash(user.password, config.bcryptCost),
      })
      claims.set(id, user.claims ?? {})
    }
    // Compared against when the user is unknown, so both refusals cost the same time.
    return hash(randomSecret(), config.bcryptCost)
  }
  // Hashes are computed on first use, so creating an app costs nothing.
  let seeded: Promise<string> | undefined
  const ready = () => {
    seeded ??= seed()
    // A store that failed while seeding is tried again by the next request, not remembered as failed.
    seeded.catch(() => {
      seeded = undefined
    })
    return seeded
  }

  const refused = (refusal: Refusal) =>
    new HttpProblem(
      profile.loginFailureStatus,
      'invalid_grant',
      INVALID_CREDENTIALS,
      {},
      profile.refusalBodies?.[refusal],
    )

  return {
    async register(login, password) {
      checkPassword(password)
      await ready()
      const user: StoredUser = { id: crypto.randomUUID(), login, passwordHash: await hash(password, config.bcryptCost) }
      if (!(await store.insertUser(user))) throw new HttpProblem(409, 'conflict', 'This account already exists')
      return user
    },

    async verify(login, password, client) {
      const dummyHash = await ready()
      const wait = throttle.retryAfter(login, client)
      if (wait > 0) {
        throw new HttpProblem(429, 'too_many_attempts', 'Too many failed logins; try again later', {
          'retry-after': String(wait),
        })
      }
      const user = await store.findUser(login)
      // bcrypt only reads 72 bytes: a longer password could match a stored prefix, so it never matches.
      const matches = (await compare(password, user?.passwordHash ?? dummyHash)) && !truncates(password)
      if (user && matches) {
        throttle.succeeded(login)
        return user
      }
      throttle.failed(login, client)
      throw refused(user ? 'wrongPassword' : 'unknownUser')
    },

    claimsOf: (userId) => claims.get(userId) ?? {},
  }
}
