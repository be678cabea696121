/**
 * A store that throws or rejects is a store failure, whatever it threw: one
 * error type, with the operation that failed and the original as `cause`, so
 * that the app answers 503 and logs it without ever looking inside.
 */
import type { AuthStore } from './contract.ts'
import { STORE_METHODS } from './contract.ts'

export const STORE_FAILED = 'STORE_FAILED'

export class StoreFailure extends Error {
  override readonly name = 'StoreFailure'
  readonly code = STORE_FAILED
  /** The store method that failed, such as `rotateFamily`. */
  readonly operation: string

  constructor(operation: string, cause: unknown) {
    // The message names the operation only: a store's own message stays in `cause`.
    super(`The store failed during ${operation}`, { cause })
    this.operation = operation
  }
}

export function isStoreFailure(error: unknown): error is StoreFailure {
  return error instanceof StoreFailure || (error instanceof Error && error.name === 'StoreFailure')
}

/** The store with every method's failure, synchronous or not, turned into a {@link StoreFailure}. */
export function withStoreFailures(store: AuthStore): AuthStore {
  const guard = <K extends keyof AuthStore>(operation: K) => {
    const method = store[operation] as (...args: unknown[]) => unknown
    return async (...args: unknown[]) => {
      try {
        return await method.apply(store, args)
      } catch (error) {
        throw new StoreFailure(operation, error)
      }
    }
  }
  return Object.fromEntries(STORE_METHODS.map((operation) => [operation, guard(operation)])) as unknown as AuthStore
}
