import { AuthError } from '../errors.ts'
import type { RefreshTokenStorage } from '../options.ts'

/**
 * The body transport's refresh token: the newest one lives in memory, and is also handed to the storage adapter.
 * Memory is what makes a failing adapter harmless: a token the adapter failed to keep is still used, and the one
 * it still holds, already spent, is never presented again (the server would take that as reuse and revoke the
 * session). A stored token that is neither of ours was put there by another tab of the app: it is the newest.
 */
export function createRefreshTokens(storage: RefreshTokenStorage, onStorageFailure: (error: AuthError) => void) {
  let newest: string | undefined
  let spent: string | undefined
  /** The adapter failed to keep the newest token: what it holds is older, and spent. */
  let storeBehind = false
  let writes = 0

  const stored = (write: () => void | Promise<void>): Promise<void> => {
    try {
      return Promise.resolve(write())
    } catch (error) {
      return Promise.reject(error)
    }
  }

  return {
    /** The token to present. Memory is read at once, so that a `forget()` right after does not change the answer. */
    async read(): Promise<string | undefined> {
      const [ours, used] = [newest, spent]
      let kept: string | undefined
      try {
        kept = (await storage.get()) ?? undefined
      } catch (error) {
        if (ours === undefined)
          throw new AuthError('REFRESH_FAILED', { detail: 'the storage adapter failed', cause: error })
      }
      if (storeBehind) return ours ?? kept
      return kept !== undefined && kept !== used && kept !== ours ? kept : (ours ?? kept)
    },

    /**
     * Keeps `token`, received for `presented` (spent by the rotation, if the token changed); the adapter is called
     * in this same turn, so that its calls come in the order of the session's changes.
     */
    keep(token: string, presented: string | undefined): void {
      if (token !== presented) spent = presented
      newest = token
      const write = ++writes
      // Only the latest write tells whether the adapter holds the newest token.
      stored(() => storage.set(token)).then(
        () => {
          if (write === writes) storeBehind = false
        },
        (cause) => {
          if (write === writes) storeBehind = true
          const detail = 'the storage adapter failed to keep the refresh token'
          onStorageFailure(new AuthError('STORAGE_FAILED', { detail, cause }))
        },
      )
    },

    /** A token another tab received and stored: this tab presents it from now on, and the one it replaced is spent. */
    adopt(token: string): void {
      if (token === newest) return
      spent = newest
      newest = token
    },

    /** Forgets the tokens in memory only (another tab ended the session and emptied the store itself). */
    forgetInMemory(): void {
      newest = undefined
      spent = undefined
      storeBehind = false
    },

    /** Forgets every token; the adapter's failure, even a synchronous one, is in the returned promise. */
    forget(): Promise<void> {
      newest = undefined
      spent = undefined
      storeBehind = false
      return stored(() => storage.remove())
    },
  }
}

export type RefreshTokens = ReturnType<typeof createRefreshTokens>
