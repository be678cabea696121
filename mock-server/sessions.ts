/**
 * The token protocol, free of HTTP: issuing a session at login, rotating its
 * refresh token with reuse detection and a grace window, ending it, and
 * checking access tokens against it.
 *
 * Grace semantics (README, "Rotation, reuse and the grace window"): a refresh
 * token replaced less than `reuseGraceSeconds` ago, the parent or an older
 * ancestor, is answered with the family's current refresh token (the very
 * token its newest holder has, re-signed identically) and a fresh access
 * token, and rotates nothing; the newest token keeps working. A token replaced
 * longer ago is reuse: the whole family ends.
 */
import { type Claims, createHs256, type Hs256 } from './jwt.ts'
import type { AppConfig } from './options.ts'
import type { FamilyHead, ReplacedToken, StoredUser, TokenFamily } from './store.ts'

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

/** How many replaced tokens a family remembers for the grace window: a burst of rotations cannot grow it. */
const MAX_REPLACED = 16

/** Claims a deployment adds to a family's access tokens (a seeded user's role); the protocol's own always win. */
export type ExtraClaims = (family: TokenFamily) => Record<string, unknown>

/** The tokens a family replaced, oldest first; a store written before `replaced` existed has only `parent`. */
function replacedTokens(family: FamilyHead): readonly ReplacedToken[] {
  if (family.replaced) return family.replaced
  return family.parent !== undefined && family.rotatedAt !== undefined
    ? [{ jti: family.parent, at: family.rotatedAt }]
    : []
}

/** Whether `jti` was replaced in `family` at most `graceMs` before `nowMs`. */
function withinGrace(family: FamilyHead, jti: string, nowMs: number, graceMs: number): boolean {
  return replacedTokens(family).some((token) => token.jti === jti && nowMs - token.at <= graceMs)
}

/** The head that replaces `family`'s, remembering the tokens replaced within the grace window. */
function successor(family: FamilyHead, nowMs: number, graceMs: number): FamilyHead {
  const recent = replacedTokens(family).filter((token) => nowMs - token.at <= graceMs)
  return {
    head: crypto.randomUUID(),
    headIssuedAt: Math.floor(nowMs / 1000),
    parent: family.head,
    rotatedAt: nowMs,
    replaced: [...recent, { jti: family.head, at: nowMs }].slice(-MAX_REPLACED),
  }
}

/** Signs the tokens of a family: an access token bound to it, and its head refresh token. */
function createIssuer(config: AppConfig, accessKey: Hs256, refreshKey: Hs256, extraClaims: ExtraClaims) {
  return async (family: TokenFamily, withRefreshToken: boolean): Promise<IssuedTokens> => {
    // A sliding token lives a full lifetime from its own issue (tutorial 000's `expiresIn` on every sign).
    const refreshExpiresAt = config.profile.slidingRefresh
      ? family.headIssuedAt + config.refreshTokenTtl
      : family.expiresAt
    const iat = Math.floor(config.clock() / 1000)
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
}

type Issue = ReturnType<typeof createIssuer>
type IsLive = (family: TokenFamily | undefined, sub: string) => family is TokenFamily

/** Rotation with reuse detection: the head rotates once; a replaced token is served within grace, else reuse. */
function createRotation(config: AppConfig, issue: Issue, isLive: IsLive) {
  const { store } = config

  /** A token that is not (or no longer) the head: the current one within the grace window, else the family ends. */
  async function replay(current: TokenFamily, jti: string): Promise<IssuedTokens | undefined> {
    if (withinGrace(current, jti, config.clock(), config.reuseGraceMs)) return issue(current, true)
    await store.revokeFamily(current.id)
    return undefined
  }

  return async function rotate(family: TokenFamily, jti: string): Promise<IssuedTokens | undefined> {
    if (jti !== family.head) return replay(family, jti)
    const next = successor(family, config.clock(), config.reuseGraceMs)
    if (await store.rotateFamily(family.id, family.head, next)) return issue({ ...family, ...next }, true)
    // A concurrent refresh with the same token won the compare-and-set: this one is a replay of its parent.
    const current = await store.findFamily(family.id)
    return isLive(current, family.sub) ? replay(current, jti) : undefined
  }
}

/** The family a new login starts. */
function newFamily(config: AppConfig, user: StoredUser): TokenFamily {
  const now = Math.floor(config.clock() / 1000)
  return {
    id: crypto.randomUUID(),
    sub: user.id,
    name: user.login.slice(user.login.indexOf(':') + 1),
    expiresAt: now + config.refreshTokenTtl,
    revoked: false,
    head: crypto.randomUUID(),
    headIssuedAt: now,
  }
}

export function createSessions(config: AppConfig, extraClaims: ExtraClaims = () => ({})): Sessions {
  const { store, profile } = config
  const accessKey = createHs256(config.accessSecret, config.hmac)
  const refreshKey = createHs256(config.refreshSecret, config.hmac)
  const nowSeconds = () => Math.floor(config.clock() / 1000)
  const issue = createIssuer(config, accessKey, refreshKey, extraClaims)

  /** A family ends when revoked or at its end: its access tokens die with it at once, not at their own `exp`. */
  const isLive: IsLive = (family, sub): family is TokenFamily =>
    family !== undefined && !family.revoked && family.sub === sub && family.expiresAt > nowSeconds()
  const rotate = createRotation(config, issue, isLive)

  async function liveFamily(claims: Claims, idClaim: 'fam' | 'sid'): Promise<TokenFamily | undefined> {
    const id = claims[idClaim]
    if (typeof id !== 'string') return undefined
    const family = await store.findFamily(id)
    return isLive(family, claims.sub) ? family : undefined
  }

  return {
    async start(user) {
      const family = newFamily(config, user)
      // A sliding family has no end of its own (each token carries one), so the store must never drop it as ended.
      const stored = profile.slidingRefresh ? { ...family, expiresAt: Number.MAX_SAFE_INTEGER } : family
      await store.insertFamily(stored, family.headIssuedAt)
      return issue(family, true)
    },

    async refresh(refreshToken) {
      const claims = await refreshKey.verify(refreshToken, 'rt+jwt', nowSeconds())
      if (!claims || typeof claims.jti !== 'string') return undefined
      const family = await liveFamily(claims, 'fam')
      if (!family) return undefined
      if (!profile.rotate) return issue(family, false)
      // Without reuse detection every token of the family stays valid, so nothing needs recording.
      if (!profile.detectReuse) return issue({ ...family, ...successor(family, config.clock(), 0) }, true)
      return rotate(family, claims.jti)
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
