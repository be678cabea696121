/**
 * One identity per person, whatever the spelling: a username or an email address is
 * normalized (NFKC) and case-folded into one login key, so `Ada`, `ＡＤＡ` and `ada`, or
 * `x@y` given as a username and as an email, all name one account. Characters that
 * make two different strings look identical on screen are refused outright.
 */
import { HttpProblem, optionalString } from './http.ts'

/**
 * Refused anywhere in an identifier: whitespace, controls (`Cc`), invisible format characters (`Cf`: zero-width
 * joiners, bidirectional overrides and isolates, soft hyphens), lone surrogates (`Cs`) and unassigned code points.
 */
const INVISIBLE = /[\s\p{Cc}\p{Cf}\p{Cs}\p{Cn}]/u
const EMAIL = /^[^@]{1,64}@[^@]{1,189}$/u
const MAX_LENGTH = 254

/** The key of an account in the store: the same for every spelling of one identifier. */
export function loginKeyOf(identifier: string): string {
  // Upper then lower: closer to Unicode case folding than `toLowerCase` alone (`ß` and `SS` meet at `ss`).
  return `username:${identifier.toUpperCase().toLowerCase()}`
}

/** `value` normalized, or a 400 naming `field` when it is empty, too long or holds invisible characters. */
export function normalizeIdentifier(value: string, field: 'username' | 'email'): string {
  // Refused before normalizing too: NFKC folds some invisible characters away, and the user should hear of them.
  const normalized = value.normalize('NFKC')
  if (INVISIBLE.test(value) || INVISIBLE.test(normalized)) {
    throw new HttpProblem(400, 'invalid_request', `"${field}" must not contain spaces, invisible or control characters`)
  }
  if (normalized.length < 1 || normalized.length > MAX_LENGTH) {
    throw new HttpProblem(400, 'invalid_request', `"${field}" must be 1 to ${MAX_LENGTH} characters`)
  }
  if (field === 'email' && !EMAIL.test(normalized)) {
    throw new HttpProblem(400, 'invalid_request', '"email" must be an email address')
  }
  return normalized
}

/** The login key of a `/register` or `/login` body, which names the account by exactly one of the two fields. */
export function loginKeyOfBody(body: Record<string, unknown>): string {
  const username = optionalString(body, 'username')
  const email = optionalString(body, 'email')
  if ((username === undefined) === (email === undefined)) {
    throw new HttpProblem(400, 'invalid_request', 'Exactly one of "username" and "email" is required')
  }
  return loginKeyOf(
    username === undefined ? normalizeIdentifier(email as string, 'email') : normalizeIdentifier(username, 'username'),
  )
}
