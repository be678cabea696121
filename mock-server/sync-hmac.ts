/**
 * HMAC-SHA-256 (FIPS 180-4, RFC 2104) in plain JavaScript, synchronous. The test kit signs with it so that an
 * answer of the mock involves no real asynchronous work: Web Crypto's HMAC resolves on a thread pool, and a fake
 * clock moved on meanwhile fires the client's timeouts before the answer arrives. Runtime-neutral (no Node or
 * DOM API); much slower than Web Crypto on large inputs, which tokens never are.
 */
import type { HmacSha256 } from './jwt.ts'

/** The first 32 bits of the fractional parts of the cube roots of the first 64 primes. */
const K = Uint32Array.from(
  '428a2f98 71374491 b5c0fbcf e9b5dba5 3956c25b 59f111f1 923f82a4 ab1c5ed5 d807aa98 12835b01 243185be 550c7dc3 72be5d74 80deb1fe 9bdc06a7 c19bf174 e49b69c1 efbe4786 0fc19dc6 240ca1cc 2de92c6f 4a7484aa 5cb0a9dc 76f988da 983e5152 a831c66d b00327c8 bf597fc7 c6e00bf3 d5a79147 06ca6351 14292967 27b70a85 2e1b2138 4d2c6dfc 53380d13 650a7354 766a0abb 81c2c92e 92722c85 a2bfe8a1 a81a664b c24b8b70 c76c51a3 d192e819 d6990624 f40e3585 106aa070 19a4c116 1e376c08 2748774c 34b0bcb5 391c0cb3 4ed8aa4a 5b9cca4f 682e6ff3 748f82ee 78a5636f 84c87814 8cc70208 90befffa a4506ceb bef9a3f7 c67178f2'
    .split(' ')
    .map((word) => Number.parseInt(word, 16)),
)

/** The first 32 bits of the fractional parts of the square roots of the first 8 primes. */
const INITIAL_STATE = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]

const rotate = (word: number, bits: number) => (word >>> bits) | (word << (32 - bits))

/** The message padded to whole 64-byte blocks: a 1 bit, zeros, then its length in bits (big-endian, 64 bits). */
function padded(data: Uint8Array): DataView {
  const length = Math.ceil((data.length + 9) / 64) * 64
  const bytes = new Uint8Array(length)
  bytes.set(data)
  bytes[data.length] = 0x80
  const view = new DataView(bytes.buffer)
  view.setUint32(length - 8, Math.floor(data.length / 0x20000000))
  view.setUint32(length - 4, (data.length * 8) >>> 0)
  return view
}

/** Mixes one 64-byte block at `offset` into `state`. */
function compress(state: Uint32Array, view: DataView, offset: number, schedule: Uint32Array): void {
  for (let index = 0; index < 16; index++) schedule[index] = view.getUint32(offset + index * 4)
  for (let index = 16; index < 64; index++) {
    const early = schedule[index - 15] as number
    const late = schedule[index - 2] as number
    const sigma0 = rotate(early, 7) ^ rotate(early, 18) ^ (early >>> 3)
    const sigma1 = rotate(late, 17) ^ rotate(late, 19) ^ (late >>> 10)
    schedule[index] = ((schedule[index - 16] as number) + sigma0 + (schedule[index - 7] as number) + sigma1) | 0
  }
  let [a, b, c, d, e, f, g, h] = state as unknown as number[]
  for (let index = 0; index < 64; index++) {
    const sum1 = rotate(e as number, 6) ^ rotate(e as number, 11) ^ rotate(e as number, 25)
    const choice = ((e as number) & (f as number)) ^ (~(e as number) & (g as number))
    const temp1 = ((h as number) + sum1 + choice + (K[index] as number) + (schedule[index] as number)) | 0
    const sum0 = rotate(a as number, 2) ^ rotate(a as number, 13) ^ rotate(a as number, 22)
    const majority = ((a as number) & (b as number)) ^ ((a as number) & (c as number)) ^ ((b as number) & (c as number))
    h = g
    g = f
    f = e
    e = ((d as number) + temp1) | 0
    d = c
    c = b
    b = a
    a = (temp1 + sum0 + majority) | 0
  }
  const mixed = [a, b, c, d, e, f, g, h] as number[]
  for (let index = 0; index < 8; index++) state[index] = ((state[index] as number) + (mixed[index] as number)) | 0
}

/** The SHA-256 digest of `data`. */
export function sha256(data: Uint8Array): Uint8Array {
  const view = padded(data)
  const state = Uint32Array.from(INITIAL_STATE)
  const schedule = new Uint32Array(64)
  for (let offset = 0; offset < view.byteLength; offset += 64) compress(state, view, offset, schedule)
  const digest = new Uint8Array(32)
  const out = new DataView(digest.buffer)
  for (let index = 0; index < 8; index++) out.setUint32(index * 4, state[index] as number)
  return digest
}

const concat = (first: Uint8Array, second: Uint8Array) => {
  const bytes = new Uint8Array(first.length + second.length)
  bytes.set(first)
  bytes.set(second, first.length)
  return bytes
}

/** HMAC-SHA-256 keyed once, answering synchronously: the test kit's default `hmac`. */
export const syncHmacSha256: HmacSha256 = (secret) => {
  const key = new Uint8Array(64)
  key.set(secret.length > 64 ? sha256(secret) : secret)
  const inner = key.map((byte) => byte ^ 0x36)
  const outer = key.map((byte) => byte ^ 0x5c)
  return (data) => sha256(concat(outer, sha256(concat(inner, data))))
}
