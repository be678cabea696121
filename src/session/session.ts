import { AuthError, asAuthError } from '../errors.ts'
import type { NormalizedOptions } from '../options.ts'
import { type ClockMark, markNow } from '../schedule/clock.ts'
import { type Cooldown, createCooldown } from '../schedule/cooldown.ts'
import { createRefreshTimer } from '../schedule/refresh-timer.ts'
import type { AuthCalls } from '../transport/auth-calls.ts'
import { type AuthLane, createAuthLane } from '../transport/auth-lane.ts'
import { type AccessToken, isExpired, isRefreshDue, timeAccessToken } from './access-token.ts'
import type { Coordinator } from './coordinator.ts'
import type { Events } from './events.ts'
import { createRefreshTokens, type RefreshTokens } from './refresh-tokens.ts'
import { infoOf, type SessionState, type Ticket } from './state.ts'
import type { TabNews } from './tab-news.ts'
import type { TokenAnswer } from './token-answer.ts'

/** Who asks for a refresh: the client itself (timer, request) respects the cool-down; the app's `refresh()` does not. */
type Asker = 'auto' | 'app'

const loggedOut = () => new AuthError('LOGGED_OUT', { detail: 'the session ended before this call completed' })

const isOffline = () => (globalThis.navigator as { onLine?: boolean } | undefined)?.onLine === false

/** What {@link Session} is made of. */
export interface SessionParts {
  readonly options: NormalizedOptions
  readonly calls: AuthCalls
  readonly events: Events
  readonly coordinator: Coordinator
}

/**
 * The token state of one client, and its transitions: login, refresh installed or refused, logout. `#id` names the
 * session: a login and a logout begin a new one, so a call begun in one session never completes in another.
 */
export class Session {
  readonly #options: NormalizedOptions
  readonly #calls: AuthCalls
  readonly #events: Events
  readonly #coordinator: Coordinator
  readonly #lane: AuthLane = createAuthLane()
  readonly #cooldown: Cooldown = createCooldown()
  readonly #timer = createRefreshTimer(() => this.#refreshInBackground())
  readonly #refreshTokens: RefreshTokens
  #id = 0
  #state: SessionState = { kind: 'unknown' }
  /** Changes with every change of `#state`: how a tab waiting for the lock tells that a peer acted. */
  #version = 0
  #refreshInFlight: Promise<AccessToken> | undefined
  #logouts = 0
  /**
   * A refresh token that a login or refresh overtaken by logout number `logout` received (body transport): that
   * logout's revocation, queued right behind the call, presents it.
   */
  #orphaned: { readonly logout: number; readonly refreshToken: string | undefined } | undefined

  constructor(parts: SessionParts) {
    this.#options = parts.options
    this.#calls = parts.calls
    this.#events = parts.events
    this.#coordinator = parts.coordinator
    this.#refreshTokens = createRefreshTokens(parts.options.storage, (error) =>
      this.#events.emit('storageFailed', error),
    )
  }

  /**
   * The ticket of a request about to go out: synchronous unless its token has expired. Once the refresh time has
   * come a refresh starts, but the token, still valid, goes out at once; an expired one waits for the refresh.
   */
  ticket(): Ticket | Promise<Ticket> {
    const state = this.#state
    if (state.kind !== 'active') return { session: this.#id, token: undefined }
    if (isExpired(state.access)) return this.#ticketAfterRefresh(this.#id)
    if (isRefreshDue(state.access)) this.#refreshInBackground()
    return { session: this.#id, token: state.access.token }
  }

  /**
   * The ticket to replay a request that `sent` went out with and the API refused with a `refreshOn` status: the
   * current token if a newer one came meanwhile, else the token of a refresh. `LOGGED_OUT` if the session changed,
   * `SESSION_EXPIRED` (caused by `response`) if it has ended.
   */
  async replayTicket(sent: Ticket, response: Response): Promise<Ticket> {
    if (sent.session !== this.#id) throw loggedOut()
    const state = this.#state
    if (state.kind === 'ended') {
      throw new AuthError('SESSION_EXPIRED', {
        detail: 'the session has ended',
        cause: response,
        status: response.status,
      })
    }
    if (state.kind === 'active' && state.access.token !== sent.token && !isExpired(state.access)) {
      return { session: this.#id, token: state.access.token }
    }
    return this.#ticketAfterRefresh(sent.session)
  }

  /** Refreshes now, sharing the refresh in flight; for the app's `refresh()`. */
  async refresh(): Promise<void> {
    await this.#refresh('app')
  }

  /** A token valid now, refreshed first if it has expired; `undefined` without one. */
  async accessToken(): Promise<string | undefined> {
    return (await this.ticket()).token
  }

  async login(credentials: Record<string, unknown>): Promise<void> {
    if (typeof credentials !== 'object' || credentials === null) {
      throw new TypeError('`credentials` must be an object, such as { username, password }')
    }
    const logoutsBefore = this.#logouts
    // Under the tabs' lock, news included: no other tab's refresh of the old session may answer after this login,
    // and the next holder of the lock hears of the new session before it acts.
    await this.#coordinator.exclusive(async () => {
      const { answer, sentAt } = await this.#lane.run(async () => {
        const sentAt = markNow()
        const tokens = await this.#calls.login(credentials)
        if (this.#logouts !== logoutsBefore) {
          // A logout overtook this login: the revocation it queued right behind this call ends the session this
          // login opened (its cookie is in the browser now; a body-transport token is handed over here).
          this.#orphaned = { logout: this.#logouts, refreshToken: tokens.refreshToken }
          throw loggedOut()
        }
        return { answer: tokens, sentAt }
      })
      this.#begin()
      const access = this.#install(answer, sentAt, undefined)
      this.#announceTokens('login', access, answer.refreshToken)
    })
  }

  /**
   * Ends the session at once (memory, timer, stored refresh token), then revokes it on the server once any auth call
   * in flight has settled, with the newest refresh token; `LOGOUT_FAILED` if the removal or the revocation failed.
   */
  async logout(): Promise<void> {
    const presented = this.#refreshTokens.read().catch(() => undefined)
    this.#logouts++
    this.#begin({ kind: 'ended', reason: 'loggedOut' })
    this.#coordinator.announce({ kind: 'loggedOut' })
    this.#events.emit('loggedOut', { elsewhere: false })
    const removed = this.#refreshTokens.forget()
    const revoked = this.#revoke(presented, this.#logouts)
    const failure = (await Promise.allSettled([revoked, removed])).find((result) => result.status === 'rejected')
    if (failure) throw asAuthError(failure.reason, 'LOGOUT_FAILED')
  }

  /** Revokes the ended session on the server, after any auth call in flight (none without a logout route). */
  #revoke(presented: Promise<string | undefined>, logout: number): Promise<void> {
    if (this.#options.endpoints.logout === false) return Promise.resolve()
    return this.#lane.run(async () => {
      const orphan = this.#orphaned?.logout === logout ? this.#orphaned.refreshToken : undefined
      this.#orphaned = undefined
      const refreshToken = orphan ?? (await presented)
      return this.#calls.logout(this.#options.transport === 'body' ? refreshToken : undefined)
    })
  }

  /**
   * What another tab of the app did: its login begins a new session here too, its refresh brings the new tokens,
   * its logout or expiry ends the session here. Nothing is stored: the tab that received the tokens stored them.
   */
  receive(news: TabNews): void {
    if (!('accessToken' in news)) {
      this.#receiveEnd(news.kind)
      return
    }
    if (news.kind === 'login') this.#begin()
    // A refresh that crossed this tab's logout on the channel belongs to the session the user ended.
    else if (this.#state.kind === 'ended' && this.#state.reason === 'loggedOut') return
    this.#receiveTokens(news.accessToken, news.refreshToken, news.sentAt)
  }

  #receiveEnd(kind: 'loggedOut' | 'expired'): void {
    if (this.#state.kind === 'ended') return
    this.#refreshTokens.forgetInMemory()
    if (kind === 'expired') {
      this.#expire(new AuthError('SESSION_EXPIRED', { detail: 'the session expired in another tab' }))
      return
    }
    this.#begin({ kind: 'ended', reason: 'loggedOut' })
    this.#events.emit('loggedOut', { elsewhere: true })
  }

  #receiveTokens(accessToken: string, refreshToken: string | undefined, sentAtWall: number): void {
    // The sending tab's wall clock is this one's; its monotonic clock is not, so it is derived.
    const monotonic = markNow().monotonic
    const sentAt: ClockMark = {
      wall: sentAtWall,
      monotonic: monotonic === undefined ? undefined : monotonic - (Date.now() - sentAtWall),
    }
    try {
      const access = this.#install({ accessToken, refreshToken: undefined, status: undefined }, sentAt, undefined)
      if (this.#options.transport === 'body' && refreshToken) this.#refreshTokens.adopt(refreshToken)
      this.#events.emit('refreshed', infoOf(access))
    } catch {
      // A token for another user than this tab's: not this session's news.
    }
  }

  /** The page may have slept: a refresh that came due meanwhile starts now, and the timer is set again. */
  wake(): void {
    const state = this.#state
    if (state.kind !== 'active') return
    if (isRefreshDue(state.access)) this.#refreshInBackground()
    else this.#timer.arm(state.access)
  }

  /** Back online: the cool-down of failures while offline is over. */
  online(): void {
    this.#cooldown.reset()
    this.wake()
  }

  /** Stops the timer for good; the client then refreshes on demand only. */
  dispose(): void {
    this.#timer.dispose()
  }

  #setState(state: SessionState): void {
    this.#state = state
    this.#version++
  }

  /** A new session begins: nothing of the previous one may complete in it. */
  #begin(state: SessionState = { kind: 'unknown' }): void {
    this.#id++
    this.#setState(state)
    this.#refreshInFlight = undefined
    this.#timer.stop()
    this.#cooldown.reset()
  }

  async #ticketAfterRefresh(session: number): Promise<Ticket> {
    let access = await this.#refresh('auto')
    // The device slept while the refresh was on its way: its token has expired too, so once more (once only).
    if (session === this.#id && isExpired(access)) access = await this.#refresh('auto')
    if (session !== this.#id) throw loggedOut()
    return { session, token: access.token }
  }

  #refreshInBackground(): void {
    // Its failures reach the `refreshFailed` and `sessionExpired` listeners.
    this.#refresh('auto').catch(() => {})
  }

  /** One refresh at a time: every caller shares the one in flight. */
  #refresh(asker: Asker): Promise<AccessToken> {
    if (this.#refreshInFlight) return this.#refreshInFlight
    const refused = this.#refusal(asker)
    if (refused) return Promise.reject(refused)
    const session = this.#id
    const current = this.#coordinator.run(
      (peerActed) => (peerActed ? this.#afterPeer(session) : this.#lane.run(() => this.#runRefresh(session))),
      () => this.#version,
    )
    this.#refreshInFlight = current
    // Only this refresh may clear its place: after a login or logout, a newer one may hold it.
    const clear = () => {
      if (this.#refreshInFlight === current) this.#refreshInFlight = undefined
    }
    current.then(clear, clear)
    return current
  }

  /**
   * What a refresh of `session` comes to when another tab changed the session while this one waited for the lock:
   * the token it installed, or the end it announced; a refresh only if neither settles it.
   */
  #afterPeer(session: number): Promise<AccessToken> {
    const state = this.#state
    if (session !== this.#id) return Promise.reject(loggedOut())
    if (state.kind === 'active' && !isExpired(state.access)) return Promise.resolve(state.access)
    if (state.kind === 'ended') {
      return Promise.reject(new AuthError('SESSION_EXPIRED', { detail: 'the session ended in another tab' }))
    }
    return this.#lane.run(() => this.#runRefresh(session))
  }

  /** Why a refresh must not start now, if it must not. */
  #refusal(asker: Asker): AuthError | undefined {
    if (isOffline()) return new AuthError('REFRESH_FAILED', { detail: 'the runtime is offline' })
    if (asker === 'app') return undefined
    if (this.#state.kind === 'ended') return new AuthError('SESSION_EXPIRED', { detail: 'the session has ended' })
    return this.#cooldown.blocking()
  }

  async #runRefresh(session: number): Promise<AccessToken> {
    let sentAt = markNow()
    try {
      const presented = this.#options.transport === 'body' ? await this.#refreshTokens.read() : undefined
      if (session !== this.#id) throw loggedOut()
      if (this.#options.transport === 'body' && presented === undefined) {
        throw new AuthError('SESSION_EXPIRED', { detail: 'there is no refresh token to send' })
      }
      // A retry waiting out its backoff when the session ends (a logout, here or in another tab) is not sent; one
      // that is sent times the token it brings from its own sending, not the first attempt's (a backoff, a sleep).
      const answer = await this.#calls.refresh(presented, () => {
        if (session !== this.#id) throw loggedOut()
        sentAt = markNow()
      })
      if (session !== this.#id) {
        // Overtaken by a logout (not by a login, whose session lives on): that logout revokes this token.
        if (this.#state.kind === 'ended') this.#orphaned = { logout: this.#logouts, refreshToken: answer.refreshToken }
        throw loggedOut()
      }
      const access = this.#install(answer, sentAt, presented)
      this.#announceTokens('refreshed', access, answer.refreshToken)
      this.#events.emit('refreshed', infoOf(access))
      return access
    } catch (error) {
      throw this.#refreshFailed(asAuthError(error, 'REFRESH_FAILED'), session)
    }
  }

  /** Records a failed refresh of `session`, and returns the error its callers get. */
  #refreshFailed(error: AuthError, session: number): AuthError {
    if (session !== this.#id || error.code === 'LOGGED_OUT') return error.code === 'LOGGED_OUT' ? error : loggedOut()
    if (error.code !== 'SESSION_EXPIRED') {
      this.#cooldown.failed(error)
      this.#events.emit('refreshFailed', error)
      return error
    }
    // The refresh token is dead: a failure to remove it changes nothing.
    this.#refreshTokens.forget().catch(() => {})
    if (this.#expire(error)) this.#coordinator.announce({ kind: 'expired' })
    return error
  }

  /** The session expired; `sessionExpired` is emitted unless it had already ended. Returns whether it was live. */
  #expire(error: AuthError): boolean {
    const wasEnded = this.#state.kind === 'ended'
    this.#setState({ kind: 'ended', reason: 'expired' })
    this.#timer.stop()
    if (!wasEnded) this.#events.emit('sessionExpired', error)
    return !wasEnded
  }

  #announceTokens(kind: 'login' | 'refreshed', access: AccessToken, refreshToken: string | undefined): void {
    const rotated = this.#options.transport === 'body' ? refreshToken : undefined
    this.#coordinator.announce({ kind, accessToken: access.token, refreshToken: rotated, sentAt: access.sentAt.wall })
  }

  /** Installs the tokens of a login or refresh answer, at once; throws `INVALID_RESPONSE` for another user's token. */
  #install(answer: TokenAnswer, sentAt: ReturnType<typeof markNow>, presented: string | undefined): AccessToken {
    const previous = this.#state.kind === 'active' ? this.#state.access : undefined
    const access = timeAccessToken(answer.accessToken, sentAt, this.#options.refreshMargin, previous)
    if (previous?.claims?.sub !== undefined && access.claims?.sub !== previous.claims.sub) {
      const detail = 'the new access token is for another user (`sub` changed)'
      throw new AuthError('INVALID_RESPONSE', { detail, status: answer.status })
    }
    this.#setState({ kind: 'active', access })
    if (this.#options.transport === 'body') this.#keepRefreshToken(answer.refreshToken, presented)
    this.#cooldown.reset()
    this.#timer.arm(access)
    return access
  }

  /** A login without a refresh token (body transport) leaves none: the previous session's must not be presented. */
  #keepRefreshToken(refreshToken: string | undefined, presented: string | undefined): void {
    if (refreshToken !== undefined) this.#refreshTokens.keep(refreshToken, presented)
    else if (presented === undefined) this.#refreshTokens.forget().catch(() => {})
  }
}
