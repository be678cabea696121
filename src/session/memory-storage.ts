import type { RefreshTokenStorage } from '../option-types.ts'

/** The default store of the body transport: the refresh token lives in this object only, gone with the page. */
export function createMemoryStorage(): RefreshTokenStorage {
  let refreshToken: string | undefined
  return {
    get: () => refreshToken,
    set(token) {
      refreshToken = token
    },
    remove() {
      refreshToken = undefined
    },
  }
}

/** The store of the cookie transport: JavaScript never holds that refresh token, so there is nothing to keep. */
export const noStorage: RefreshTokenStorage = Object.freeze({
  get: () => undefined,
  set() {},
  remove() {},
})
