/**
 * What a UI reads from the tokens and from `/protected`: the claims a seeded user has
 * (a role), and, for a tutorial profile, the claims that tutorial's server signs
 * (`id`, `username`, `role` for 000), so a UI written against it finds them.
 */
import type { Claims } from './jwt.ts'
import type { AuthProfile, TutorialClaim } from './profiles.ts'
import type { ExtraClaims } from './sessions.ts'
import type { TokenFamily } from './store.ts'

/** Tutorial 000's users have a numeric id; ours are strings, numeric for the demo and seeded users. */
const tutorialId = (sub: string): string | number => (/^[1-9]\d{0,15}$/.test(sub) ? Number(sub) : sub)

function tutorialClaim(claim: TutorialClaim, family: TokenFamily, own: Readonly<Record<string, unknown>>): unknown {
  if (claim === 'id' || claim === 'userId') return tutorialId(family.sub)
  if (claim === 'role') return own.role ?? 'user'
  return family.name
}

/** The extra claims of a family's access tokens: the tutorial's, then the user's own (which win). */
export function extraClaimsOf(
  profile: AuthProfile,
  claimsOf: (userId: string) => Readonly<Record<string, unknown>>,
): ExtraClaims {
  return (family) => {
    const own = claimsOf(family.sub)
    const claims: Record<string, unknown> = {}
    for (const claim of profile.tutorialClaims ?? []) claims[claim] = tutorialClaim(claim, family, own)
    return { ...claims, ...own }
  }
}

/** Claims the protocol owns; everything else in a token is the user's or the tutorial's. */
const PROTOCOL_CLAIMS = new Set(['sub', 'name', 'sid', 'jti'])

/** The `user` of a `/protected` answer. */
export function protectedUserOf(profile: AuthProfile, claims: Claims): Record<string, unknown> {
  if (profile.protectedUser !== 'claims') return { id: claims.sub, name: claims.name }
  // As `res.json({ user: req.user })` answers the decoded token: its claims with iat and exp.
  return Object.fromEntries(Object.entries(claims).filter(([claim]) => !PROTOCOL_CLAIMS.has(claim)))
}
