/**
 * The token protocol, free of HTTP: issuing a session at login, rotating its
 * refresh token with reuse detection, revoking it, and checking access tokens.
 */
import { type Claims, createHs256 } from './jwt.ts'
import type { AppConfig } from './options.ts'
import type { StoredUser, TokenFamily } from './store.ts'

export interface IssuedTokens {
  readonly accessToken: string
  /** Present when the operation produced a (new or replayed) refresh token. */
  readonly refreshToken?: string
  /** End of the refresh token's family, in seconds. */
  readonly refreshExpiresAt: number
}

export interface Sessions {
  start(user: StoredUser): Promise<IssuedTokens>
  /** New tokens for a presented refresh token, or `undefined` when it must be refused. */
  refresh(refreshToken: string): Promise<IssuedTokens | undefined>
  /** Revokes the family of a refresh token or of an access token; unknown tokens are ignored. */
  end(token: { refreshToken?: string | undefined; accessToken?: string | undefined }): Promise<void>
  /** The claims of a valid access token whose session is alive. */
  authenticate(accessToken: string): Promise<Claims | undefined>
  signAccessToken(claims: Record<string, unknown>): Promise<string>
}

/** Claims a deployment adds to a family's access tokens (a seeded user's role); the protocol's own always win. */
export type ExtraClaims = (family: TokenFamily) => Record<string, unknown>

export function createSessions(config: AppConfig, extraClaims: ExtraClaims = () => ({})): Sessions {
  const { store, profile } = config
  const accessKey = createHs256(config.accessSecret, config.hmac)
  const refreshKey = createHs256(config.refreshSecret, config.hmac)
  const nowSeconds = () => Math.floor(config.clock() / 1000)

  async function issue(family: TokenFamily, withRefreshToken: boolean): Promise<IssuedTokens> {
    // A sliding token lives a full lifetime from its own issue (tutorial 000's `expiresIn` on every sign).
    const refreshExpiresAt = profile.slidingRefresh ? family.headIssuedAt + config.refreshTokenTtl : family.expiresAt
    const iat = nowSeconds()
    const accessToken = await accessKey.sign('at+jwt', {
      ...extraClaims(family),
      sub: family.sub,
      name: family.name,
      sid: family.id,
      jti: crypto.randomUUID(),
      iat,
      exp: iat + config.accessTokenTtl,
    })
    if (!withRefreshToken) return { accessToken, refreshExpiresAt }
    // Deterministic in the family head: re-signing during the grace window yields the very same token.
    const refreshToken = await refreshKey.sign('rt+jwt', {
      sub: family.sub,
      name: family.name,
      fam: family.id,
      jti: family.head,
      iat: family.headIssuedAt,
      exp: refreshExpiresAt,
    })
    return { accessToken, refreshToken, refreshExpiresAt }
  }

  async function liveFamily(claims: Claims, idClaim: string): Promise<TokenFamily | undefined> {
    const id = claims[idClaim]
    if (typeof id !== 'string') return undefined
    const family = await store.findFamily(id)
    return family && !family.revoked && family.sub === claims.sub ? family : undefined
  }

  return {
    async start(user) {
      const now = nowSeconds()
      const family: TokenFamily = {
        id: crypto.randomUUID(),
        sub: user.id,
        name: user.login.slice(user.login.indexOf(':') + 1),
        expiresAt: now + config.refreshTokenTtl,
        revoked: false,
        head: crypto.randomUUID(),
        headIssuedAt: now,
      }
      // A sliding family has no end of its own (each token carries one), so the store must never drop it as ended.
      await store.insertFamily(profile.slidingRefresh ? { ...family, expiresAt: Number.MAX_SAFE_INTEGER } : family, now)
      return issue(family, true)
    },

    async refresh(refreshToken) {
      const claims = await refreshKey.verify(refreshToken, 'rt+jwt', nowSeconds())
      const family = claims && (await liveFamily(claims, 'fam'))
      if (!claims || !family || typeof claims.jti !== 'string') return undefined
      if (!profile.rotate) return issue(family, false)

      const next = {
        head: crypto.randomUUID(),
        headIssuedAt: nowSeconds(),
        parent: claims.jti,
        rotatedAt: config.clock(),
      }
      if (!profile.detectReuse) return issue({ ...family, ...next }, true)

      if (claims.jti === family.head && (await store.rotateFamily(family.id, family.head, next))) {
        return issue({ ...family, ...next }, true)
      }
      // Either this token was rotated before, or a concurrent refresh with it just won the race.
      const current = await store.findFamily(family.id)
      if (
        current &&
        !current.revoked &&
        claims.jti === current.parent &&
        current.rotatedAt !== undefined &&
        config.clock() - current.rotatedAt <= config.reuseGraceMs
      ) {
        return issue(current, true)
      }
      await store.revokeFamily(family.id)
      return undefined
    },

    async end({ refreshToken, accessToken }) {
      if (!profile.revokeOnLogout) return
      const now = nowSeconds()
      const fromRefresh = refreshToken ? await refreshKey.verify(refreshToken, 'rt+jwt', now) : undefined
      const fromAccess = accessToken ? await accessKey.verify(accessToken, 'at+jwt', now) : undefined
      const family =
        (fromRefresh && (await liveFamily(fromRefresh, 'fam'))) || (fromAccess && (await liveFamily(fromAccess, 'sid')))
      if (family) await store.revokeFamily(family.id)
    },

    async authenticate(accessToken) {
      const claims = await accessKey.verify(accessToken, 'at+jwt', nowSeconds())
      if (!claims) return undefined
      // Tokens bound to a session die with it; unbound ones (crafted in tests) live until `exp`.
      if (claims.sid === undefined) return claims
      return (await liveFamily(claims, 'sid')) ? claims : undefined
    },

    signAccessToken: (claims) => accessKey.sign('at+jwt', claims),
  }
}
