/**
 * A store in Redis, for several server instances that share users, token
 * families and revocations. Node only, and `ioredis` is an optional peer
 * dependency: this file imports it only when {@link connectRedisStore} runs.
 *
 * Every operation is one Lua script (EVAL), so that it runs atomically on the
 * server: rotation's compare-and-set holds across instances. A family's key
 * expires at the family's end (EXPIREAT), so ended families cost nothing to
 * drop; revoking one deletes its key; revoking all bumps an epoch that every
 * family records when created, in O(1).
 *
 * With Redis Cluster, give a prefix with a hash tag (`{auth}:`): the scripts
 * touch a family's key and the epoch key together.
 */
import type { AuthStore, FamilyHead, ReplacedToken, StoredUser, TokenFamily } from './contract.ts'

/** What the store needs of a client: EVAL. An `ioredis` client is one. */
export interface RedisClient {
  eval(script: string, numkeys: number, ...args: (string | number)[]): Promise<unknown>
}

/** Options of {@link createRedisStore}. */
export interface RedisStoreOptions {
  /** A connected client, such as `new Redis(url)` from `ioredis`. The store never closes it. */
  readonly client: RedisClient
  /** Prepended to every key. @default 'ktr:' */
  readonly prefix?: string | undefined
}

/** The Redis store; `size()` scans keys (O(n)), for tests and the soak script only. */
export interface RedisStore extends AuthStore {
  size(): Promise<{ readonly users: number; readonly families: number }>
}

const INSERT_USER = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'id', ARGV[1], 'passwordHash', ARGV[2])
return 1`

const INSERT_FAMILY = `
local epoch = redis.call('GET', KEYS[2]) or '0'
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'epoch', epoch, unpack(ARGV, 2))
if ARGV[1] ~= '' then redis.call('EXPIREAT', KEYS[1], ARGV[1]) end
return 1`

const FIND_FAMILY = `
local epoch = redis.call('GET', KEYS[2]) or '0'
if redis.call('HGET', KEYS[1], 'epoch') ~= epoch then return false end
return redis.call('HGETALL', KEYS[1])`

const ROTATE_FAMILY = `
local epoch = redis.call('GET', KEYS[2]) or '0'
local current = redis.call('HMGET', KEYS[1], 'head', 'epoch')
if current[1] ~= ARGV[1] or current[2] ~= epoch then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
return 1`

const DELETE_KEY = `return redis.call('DEL', KEYS[1])`
const BUMP_EPOCH = `return redis.call('INCR', KEYS[1])`
const COUNT_KEYS = `return { #redis.call('KEYS', ARGV[1]), #redis.call('KEYS', ARGV[2]) }`

/** Families that never end on their own (sliding profiles) get no expiry. */
const NO_END = Number.MAX_SAFE_INTEGER

/** The fields of a family head as HSET arguments; absent ones are left as they are. */
function headFields(head: FamilyHead): string[] {
  const fields: string[] = ['head', head.head, 'headIssuedAt', String(head.headIssuedAt)]
  if (head.parent !== undefined) fields.push('parent', head.parent)
  if (head.rotatedAt !== undefined) fields.push('rotatedAt', String(head.rotatedAt))
  if (head.replaced !== undefined) fields.push('replaced', JSON.stringify(head.replaced))
  return fields
}

function parseReplaced(text: string | undefined): readonly ReplacedToken[] | undefined {
  if (text === undefined) return undefined
  try {
    const value: unknown = JSON.parse(text)
    return Array.isArray(value)
      ? value.filter((token): token is ReplacedToken => typeof token?.jti === 'string' && typeof token?.at === 'number')
      : []
  } catch {
    return []
  }
}

/** An HGETALL reply, `[field, value, …]`, as a family. */
function toFamily(id: string, reply: unknown): TokenFamily | undefined {
  if (!Array.isArray(reply) || reply.length === 0) return undefined
  const fields = new Map<string, string>()
  for (let index = 0; index + 1 < reply.length; index += 2) fields.set(String(reply[index]), String(reply[index + 1]))
  const replaced = parseReplaced(fields.get('replaced'))
  return {
    id,
    sub: fields.get('sub') ?? '',
    name: fields.get('name') ?? '',
    expiresAt: Number(fields.get('expiresAt')),
    revoked: false,
    head: fields.get('head') ?? '',
    headIssuedAt: Number(fields.get('headIssuedAt')),
    ...(fields.has('parent') && { parent: fields.get('parent') as string }),
    ...(fields.has('rotatedAt') && { rotatedAt: Number(fields.get('rotatedAt')) }),
    ...(replaced && { replaced }),
  }
}

function toUser(login: string, reply: unknown): StoredUser | undefined {
  if (!Array.isArray(reply) || reply.length < 2) return undefined
  const [id, passwordHash] = reply as unknown[]
  return typeof id === 'string' && typeof passwordHash === 'string' ? { id, login, passwordHash } : undefined
}

/** A store in Redis through `client`; several instances with one prefix share every session. */
export function createRedisStore(options: RedisStoreOptions): RedisStore {
  const { client, prefix = 'ktr:' } = options ?? {}
  if (typeof client?.eval !== 'function') throw new TypeError('The `client` option must be a Redis client (ioredis)')
  if (typeof prefix !== 'string') throw new TypeError('The `prefix` option must be a string')
  const userKey = (login: string) => `${prefix}user:${login}`
  const familyKey = (id: string) => `${prefix}family:${id}`
  const epochKey = `${prefix}epoch`

  return {
    findUser: async (login) =>
      toUser(login, await client.eval("return redis.call('HMGET', KEYS[1], 'id', 'passwordHash')", 1, userKey(login))),
    insertUser: async (user) =>
      (await client.eval(INSERT_USER, 1, userKey(user.login), user.id, user.passwordHash)) === 1,
    findFamily: async (id) => toFamily(id, await client.eval(FIND_FAMILY, 2, familyKey(id), epochKey)),
    async insertFamily(family) {
      // Redis drops ended families itself (EXPIREAT), so `nowSeconds` is not needed here.
      const end = family.expiresAt >= NO_END ? '' : String(family.expiresAt)
      const fields = ['sub', family.sub, 'name', family.name, 'expiresAt', String(family.expiresAt)]
      await client.eval(INSERT_FAMILY, 2, familyKey(family.id), epochKey, end, ...fields, ...headFields(family))
    },
    rotateFamily: async (id, expectedHead, next) =>
      (await client.eval(ROTATE_FAMILY, 2, familyKey(id), epochKey, expectedHead, ...headFields(next))) === 1,
    async revokeFamily(id) {
      await client.eval(DELETE_KEY, 1, familyKey(id))
    },
    async revokeAllFamilies() {
      await client.eval(BUMP_EPOCH, 1, epochKey)
    },
    async size() {
      const [users, families] = (await client.eval(COUNT_KEYS, 0, `${prefix}user:*`, `${prefix}family:*`)) as number[]
      return { users: Number(users), families: Number(families) }
    },
  }
}

/** A Redis store and the client it opened for it. */
export interface ConnectedRedisStore {
  readonly store: RedisStore
  /** Closes the connection. */
  close(): Promise<void>
}

/**
 * Connects to `url` (`redis://…` or `rediss://…`) with `ioredis`, loaded only now (an optional peer
 * dependency), and returns a store on it. Commands fail fast while Redis is unreachable (answered 503)
 * rather than queueing without end.
 */
export async function connectRedisStore(url: string, prefix?: string): Promise<ConnectedRedisStore> {
  let Redis: typeof import('ioredis').Redis
  try {
    ;({ Redis } = await import('ioredis'))
  } catch (error) {
    throw new Error('The Redis store needs the ioredis package: npm install ioredis', { cause: error })
  }
  const client = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    commandTimeout: 2_000,
  })
  // ioredis reports connection errors as events; the failed commands are what the app logs.
  client.on('error', () => undefined)
  try {
    await client.connect()
  } catch (error) {
    // Without this, ioredis would go on reconnecting and keep the process alive.
    client.disconnect()
    throw error
  }
  return {
    store: createRedisStore({ client, prefix }),
    close: async () => {
      await client.quit()
    },
  }
}
