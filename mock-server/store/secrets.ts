/**
 * The two signing secrets of `npm start`, generated once and kept in a file
 * beside the database (mode 0600), so that a restart without JWT_SECRET and
 * JWT_REFRESH_SECRET does not log everyone out. Node only. The secrets
 * themselves are never printed: messages name the file only.
 */
import { randomBytes } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'

export interface KeptSecrets {
  readonly accessSecret: string
  readonly refreshSecret: string
  /** Whether this call generated them (a first start) rather than read them. */
  readonly generated: boolean
}

export class SecretsFileError extends Error {
  override readonly name = 'SecretsFileError'
  readonly code = 'SECRETS_FILE_INVALID'
}

const MIN_LENGTH = 32

function readSecrets(file: string): KeptSecrets {
  let value: unknown
  try {
    value = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new SecretsFileError(`${file} must hold the secrets as JSON; delete it to have new ones generated`, {
      cause: error,
    })
  }
  const { accessSecret, refreshSecret } = (value ?? {}) as Record<string, unknown>
  const valid = (secret: unknown): secret is string => typeof secret === 'string' && secret.length >= MIN_LENGTH
  if (!valid(accessSecret) || !valid(refreshSecret) || accessSecret === refreshSecret) {
    throw new SecretsFileError(
      `${file} must hold two different secrets of at least ${MIN_LENGTH} characters; delete it to have new ones generated`,
    )
  }
  return { accessSecret, refreshSecret, generated: false }
}

/** Whether anyone but the owner may read `file` (it should be 0600). */
export function readableByOthers(file: string): boolean {
  return (statSync(file).mode & 0o077) !== 0
}

/**
 * The secrets kept in `file`, created with fresh random ones (mode 0600) when it does not exist. Two starts
 * racing to create it agree: the exclusive create lets one win, and the other reads what it wrote.
 */
export function keptSecrets(file: string): KeptSecrets {
  const secrets = {
    accessSecret: randomBytes(32).toString('base64url'),
    refreshSecret: randomBytes(32).toString('base64url'),
  }
  try {
    writeFileSync(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' })
    return { ...secrets, generated: true }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    return readSecrets(file)
  }
}
