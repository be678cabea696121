/**
 * The test kit's synchronous HMAC-SHA-256 (mock-server/sync-hmac.ts) gives Node's digests at every length
 * around the block boundaries, for short and long keys, and answers without a promise.
 */
import { createHash, createHmac } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { sha256, syncHmacSha256 } from '../mock-server/sync-hmac.ts'

/** Deterministic bytes, so a failure names a reproducible length. */
const bytes = (length: number, seed: number) => Uint8Array.from({ length }, (_, index) => (index * 31 + seed) & 0xff)
const hex = (value: Uint8Array | Promise<Uint8Array>) => Buffer.from(value as Uint8Array).toString('hex')

const LENGTHS = [0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 300, 1000]

describe('the synchronous HMAC-SHA-256 of the test kit', () => {
  it.each(LENGTHS)('hashes %i bytes as node:crypto does', (length) => {
    const data = bytes(length, length)
    expect(hex(sha256(data))).toBe(createHash('sha256').update(data).digest('hex'))
  })

  it.each([0, 16, 32, 63, 64, 65, 200])('signs with a key of %i bytes as node:crypto does', (keyLength) => {
    const key = bytes(keyLength, 7)
    const mac = syncHmacSha256(key)
    for (const length of LENGTHS) {
      const data = bytes(length, keyLength)
      expect(hex(mac(data)), `${length} bytes`).toBe(createHmac('sha256', key).update(data).digest('hex'))
    }
  })

  it('answers at once, with bytes rather than a promise', () => {
    expect(syncHmacSha256(bytes(32, 1))(bytes(10, 2))).toBeInstanceOf(Uint8Array)
  })
})
