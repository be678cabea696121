/**
 * Where the reference server keeps its state: the store contract and the
 * runtime-neutral in-memory store. The Node-only stores (SQLite, Redis) live in
 * `store/sqlite.ts` and `store/redis.ts`, imported only by the Node entry.
 */
export type {
  AuthStore,
  Awaitable,
  FamilyHead,
  ReplacedToken,
  StoredUser,
  TokenFamily,
} from './store/contract.ts'
export { STORE_METHODS } from './store/contract.ts'
export { createMemoryStore } from './store/memory.ts'
