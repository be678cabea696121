/**
 * A store in one SQLite file, with Node's built-in `node:sqlite` (Node 22.13+,
 * no dependency): users, token families and revocations survive a restart.
 * Node only; imported by the Node entry, never by the runtime-neutral one.
 *
 * Rotation is one `UPDATE … WHERE head = ?`, so its compare-and-set holds even
 * with several processes on one file (WAL mode, a busy timeout). A revoked
 * family's row is deleted; ended ones are deleted through an index on their
 * end, so a login costs O(log n) whatever the number of sessions.
 */
import { DatabaseSync, type SQLInputValue } from 'node:sqlite'
import type { AuthStore, FamilyHead, ReplacedToken, StoredUser, TokenFamily } from './contract.ts'

/** The SQLite store, which holds the file open until {@link SqliteStore.close}. */
export interface SqliteStore extends AuthStore {
  /** How many users and families the file holds. */
  size(): { readonly users: number; readonly families: number }
  /** Closes the file; the store must not be used afterwards. */
  close(): void
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS users (
    login TEXT PRIMARY KEY,
    id TEXT NOT NULL,
    password_hash TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS families (
    id TEXT PRIMARY KEY,
    sub TEXT NOT NULL,
    name TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    head TEXT NOT NULL,
    head_issued_at INTEGER NOT NULL,
    parent TEXT,
    rotated_at INTEGER,
    replaced TEXT
  );
  CREATE INDEX IF NOT EXISTS families_by_end ON families (expires_at);
`

type Row = Record<string, SQLInputValue>

function toUser(row: Row | undefined): StoredUser | undefined {
  if (!row) return undefined
  return { id: String(row.id), login: String(row.login), passwordHash: String(row.password_hash) }
}

/** `replaced` as it was written; anything unreadable counts as no replaced token (reuse, never a pass). */
function parseReplaced(text: SQLInputValue): readonly ReplacedToken[] | undefined {
  if (typeof text !== 'string') return undefined
  try {
    const value: unknown = JSON.parse(text)
    if (!Array.isArray(value)) return []
    return value.filter(
      (token): token is ReplacedToken => typeof token?.jti === 'string' && typeof token?.at === 'number',
    )
  } catch {
    return []
  }
}

function toFamily(row: Row | undefined): TokenFamily | undefined {
  if (!row) return undefined
  const replaced = parseReplaced(row.replaced ?? null)
  return {
    id: String(row.id),
    sub: String(row.sub),
    name: String(row.name),
    expiresAt: Number(row.expires_at),
    revoked: false,
    head: String(row.head),
    headIssuedAt: Number(row.head_issued_at),
    ...(row.parent !== null && row.parent !== undefined && { parent: String(row.parent) }),
    ...(row.rotated_at !== null && row.rotated_at !== undefined && { rotatedAt: Number(row.rotated_at) }),
    ...(replaced && { replaced }),
  }
}

/** The columns of a family head, `null` for what it does not have. */
function headColumns(head: FamilyHead) {
  return {
    head: head.head,
    head_issued_at: head.headIssuedAt,
    parent: head.parent ?? null,
    rotated_at: head.rotatedAt ?? null,
    replaced: head.replaced ? JSON.stringify(head.replaced) : null,
  }
}

function openDatabase(path: string): DatabaseSync {
  const database = new DatabaseSync(path)
  // WAL lets readers and one writer work side by side; the timeout waits out another process's write.
  database.exec('PRAGMA busy_timeout = 5000')
  if (path !== ':memory:') database.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL')
  database.exec(SCHEMA)
  return database
}

function prepareStatements(database: DatabaseSync) {
  const statement = (sql: string) => database.prepare(sql)
  return {
    findUser: statement('SELECT login, id, password_hash FROM users WHERE login = ?'),
    insertUser: statement(
      'INSERT INTO users (login, id, password_hash) VALUES ($login, $id, $hash) ON CONFLICT (login) DO NOTHING',
    ),
    findFamily: statement('SELECT * FROM families WHERE id = ?'),
    dropEnded: statement('DELETE FROM families WHERE expires_at <= ?'),
    insertFamily: statement(`INSERT OR REPLACE INTO families
      (id, sub, name, expires_at, head, head_issued_at, parent, rotated_at, replaced)
      VALUES ($id, $sub, $name, $expires_at, $head, $head_issued_at, $parent, $rotated_at, $replaced)`),
    rotateFamily: statement(`UPDATE families
      SET head = $head, head_issued_at = $head_issued_at, parent = $parent, rotated_at = $rotated_at, replaced = $replaced
      WHERE id = $id AND head = $expected`),
    revokeFamily: statement('DELETE FROM families WHERE id = ?'),
    revokeAllFamilies: statement('DELETE FROM families'),
    count: statement('SELECT (SELECT count(*) FROM users) AS users, (SELECT count(*) FROM families) AS families'),
  }
}

/**
 * A store in the SQLite database at `path` (created if missing; its folder must exist), or `':memory:'` for a
 * database that lives as long as the store.
 */
export function createSqliteStore(path: string): SqliteStore {
  if (typeof path !== 'string' || path === '') {
    throw new TypeError('The `path` argument must be a file path or ":memory:"')
  }
  const database = openDatabase(path)
  const sql = prepareStatements(database)

  return {
    findUser: (login) => toUser(sql.findUser.get(login) as Row | undefined),
    insertUser: (user) =>
      Number(sql.insertUser.run({ login: user.login, id: user.id, hash: user.passwordHash }).changes) === 1,
    findFamily: (id) => toFamily(sql.findFamily.get(id) as Row | undefined),
    insertFamily(family, nowSeconds) {
      sql.dropEnded.run(nowSeconds)
      sql.insertFamily.run({
        id: family.id,
        sub: family.sub,
        name: family.name,
        expires_at: family.expiresAt,
        ...headColumns(family),
      })
    },
    rotateFamily: (id, expectedHead, next) =>
      Number(sql.rotateFamily.run({ id, expected: expectedHead, ...headColumns(next) }).changes) === 1,
    revokeFamily(id) {
      sql.revokeFamily.run(id)
    },
    revokeAllFamilies() {
      sql.revokeAllFamilies.run()
    },
    size() {
      const row = sql.count.get() as Row
      return { users: Number(row.users), families: Number(row.families) }
    },
    close: () => database.close(),
  }
}
