/**
 * Observable behaviours of the servers this SDK is tested against.
 *
 * `reference` is the protocol as the most careful providers run it. The other
 * three reproduce what the documented tutorial servers actually answer (their
 * statuses, whether they rotate, whether anything is ever revoked), so an app
 * can be tested against what its real server does. Every profile answers
 * bad input with a JSON 4xx: reproducing a crash is never useful.
 */

export type RefreshTransport = 'cookie' | 'body'

/** The refusals whose body a tutorial server chose itself (bad input always gets the JSON `{ error, message }`). */
export type Refusal =
  | 'missingAccess'
  | 'invalidAccess'
  | 'unknownUser'
  | 'wrongPassword'
  | 'missingRefresh'
  | 'invalidRefresh'

/**
 * A refusal's body as Express sends it: `html` for `res.send('...')` (a string goes out as `text/html`), `text`
 * for `sendStatus` (`text/plain`), `json` for `res.json`.
 */
export type RefusalBody =
  | { readonly html: string }
  | { readonly text: string }
  | { readonly json: Readonly<Record<string, string>> }

/** The claims a tutorial server puts in its access tokens, besides the protocol's own (`sub`, `sid`, `jti`...). */
export type TutorialClaim = 'id' | 'userId' | 'username' | 'email' | 'role'

/** The observable behaviour of a server: transport, rotation, revocation and the statuses it answers. */
export interface AuthProfile {
  /** Where login puts the refresh token; `undefined` lets the `transport` option decide. */
  readonly transport: RefreshTransport | undefined
  /** A refresh returns a new refresh token (and the old one stops being the family head). */
  readonly rotate: boolean
  /** Reusing a rotated refresh token outside the grace window revokes its whole family. */
  readonly detectReuse: boolean
  /** Each rotated token gets a full new lifetime instead of inheriting the family's end. */
  readonly slidingRefresh: boolean
  /** `/logout` revokes the family server-side (not only the cookie). */
  readonly revokeOnLogout: boolean
  /** Status for an invalid or expired access token at `/protected`. */
  readonly invalidAccessStatus: 401 | 403
  /** Status for a refresh without any refresh token. */
  readonly missingRefreshStatus: 400 | 401 | 403
  /** Status for an invalid, expired, revoked or reused refresh token. */
  readonly invalidRefreshStatus: 400 | 401 | 403
  /** Status for wrong credentials at `/login`. */
  readonly loginFailureStatus: 400 | 401
  /** The `message` field of a `/protected` answer. */
  readonly protectedMessage: string
  /** `/logout` answers 200 with this `message`; without one, 204 with no body. */
  readonly logoutMessage?: string | undefined
  /** Bodies of the refusals the server words itself; the others are JSON `{ error, message }`. */
  readonly refusalBodies?: Readonly<Partial<Record<Refusal, RefusalBody>>> | undefined
  /** Claims added to access tokens, named as the tutorial names them (`role` is the user's, else `'user'`). */
  readonly tutorialClaims?: readonly TutorialClaim[] | undefined
  /**
   * The `user` of a `/protected` answer: `{ id, name }`, or (`'claims'`) the token's tutorial claims with
   * `iat` and `exp`, as an Express server that answers `req.user` does. @default 'reference'
   */
  readonly protectedUser?: 'reference' | 'claims' | undefined
}

/**
 * The named profiles. `rotatingBody`, `staticCookie` and `staticBody` are the
 * servers of tutorials 000, 001 and 002 respectively; the SDK has presets of
 * the same names.
 */
export const profiles = {
  /** Rotation with reuse detection, 401 + `WWW-Authenticate` on a bad access token, revocation on logout. */
  reference: {
    transport: undefined,
    rotate: true,
    detectReuse: true,
    slidingRefresh: false,
    revokeOnLogout: true,
    invalidAccessStatus: 401,
    missingRefreshStatus: 400,
    invalidRefreshStatus: 400,
    loginFailureStatus: 400,
    protectedMessage: 'Welcome to the protected route',
    logoutMessage: undefined,
  },
  /** Tutorial 000: `/login` and `/token`, refresh token in the body, rotated on every use, old ones never revoked. */
  rotatingBody: {
    transport: 'body',
    rotate: true,
    detectReuse: false,
    slidingRefresh: true,
    revokeOnLogout: false,
    invalidAccessStatus: 403,
    missingRefreshStatus: 401,
    invalidRefreshStatus: 403,
    loginFailureStatus: 400,
    protectedMessage: 'Welcome to protected route!',
    // Tutorial 000 has no logout route: the one served here stays the reference's.
    logoutMessage: undefined,
    // `res.status(...).send('...')` for every refusal.
    refusalBodies: {
      missingAccess: { html: 'Access Token Required' },
      invalidAccess: { html: 'Invalid or Expired Token' },
      unknownUser: { html: 'Invalid credentials' },
      wrongPassword: { html: 'Invalid credentials' },
      missingRefresh: { html: 'Refresh Token Required' },
      invalidRefresh: { html: 'Invalid Refresh Token' },
    },
    tutorialClaims: ['id', 'username', 'role'],
    // `res.json({ message, user })`, `user` being what `jwt.verify` decoded: `{ id, username, role, iat, exp }`.
    protectedUser: 'claims',
  },
  /** Tutorial 001: refresh token in an HttpOnly cookie, `/refresh` returns only an access token, `/logout` clears the cookie and answers `{ message: 'Logged out' }`. */
  staticCookie: {
    transport: 'cookie',
    rotate: false,
    detectReuse: false,
    slidingRefresh: false,
    revokeOnLogout: false,
    invalidAccessStatus: 403,
    missingRefreshStatus: 401,
    invalidRefreshStatus: 403,
    loginFailureStatus: 400,
    protectedMessage: 'You are authorized!',
    logoutMessage: 'Logged out',
    refusalBodies: {
      missingAccess: { text: 'Unauthorized' },
      invalidAccess: { text: 'Forbidden' },
      unknownUser: { json: { error: 'User not found' } },
      wrongPassword: { json: { error: 'Invalid password' } },
      missingRefresh: { json: { error: 'No token provided' } },
      invalidRefresh: { json: { error: 'Invalid token' } },
    },
    tutorialClaims: ['id', 'email'],
    // `res.json({ message, user: req.user })`, `req.user` being the decoded token: `{ id, email, iat, exp }`.
    protectedUser: 'claims',
  },
  /** Tutorial 002: `/refresh-token` with the refresh token in the body, returns only an access token. */
  staticBody: {
    transport: 'body',
    rotate: false,
    detectReuse: false,
    slidingRefresh: false,
    revokeOnLogout: false,
    invalidAccessStatus: 403,
    missingRefreshStatus: 403,
    invalidRefreshStatus: 403,
    loginFailureStatus: 400,
    protectedMessage: 'You are authorized!',
    // Tutorial 002 has no logout route either.
    logoutMessage: undefined,
    // `sendStatus(403)` for every refusal of `/refresh-token`; 002 has no login or protected route of its own.
    refusalBodies: { missingRefresh: { text: 'Forbidden' }, invalidRefresh: { text: 'Forbidden' } },
    tutorialClaims: ['userId'],
    // Without a protected route in 002 there is no `user` to copy: the reference's `{ id, name }` is served.
    protectedUser: 'reference',
  },
} as const satisfies Record<string, AuthProfile>

/** The name of a built-in profile. */
export type ProfileName = keyof typeof profiles
