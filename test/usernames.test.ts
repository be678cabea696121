/**
 * One account per identity: usernames and email addresses are normalized (NFKC) and
 * case-folded, and refused when they hold characters that make look-alikes.
 */
import { describe, expect, it } from 'vitest'
import { createAuthApp } from '../mock-server/index.ts'
import { post, problemOf } from './support/requests.ts'

const ORIGIN = 'https://api.usernames.test'
const PASSWORD = 'correct horse battery'
const appWith = () => createAuthApp({ bcryptCost: 4, loginThrottle: false, transport: 'body' })

describe('usernames', () => {
  it('treats every case and compatibility spelling of one username as the same account', async () => {
    const app = appWith()
    expect((await app.fetch(post(`${ORIGIN}/register`, { username: 'Ada', password: PASSWORD }))).status).toBe(201)
    // Full-width letters (NFKC) and other cases name the same account: registering again is a conflict.
    for (const username of ['ada', 'ADA', 'Ａｄａ']) {
      await problemOf(await app.fetch(post(`${ORIGIN}/register`, { username, password: PASSWORD })), 409)
      expect((await app.fetch(post(`${ORIGIN}/login`, { username, password: PASSWORD }))).status).toBe(200)
    }
  })

  it('treats x@y given as a username and as an email as one identity', async () => {
    const app = appWith()
    const account = { username: 'Grace@Example.com', password: PASSWORD }
    expect((await app.fetch(post(`${ORIGIN}/register`, account))).status).toBe(201)
    const asEmail = { email: 'grace@example.COM', password: PASSWORD }
    await problemOf(await app.fetch(post(`${ORIGIN}/register`, asEmail)), 409)
    expect((await app.fetch(post(`${ORIGIN}/login`, asEmail))).status).toBe(200)
  })

  it.each([
    ['a zero-width space', 'ad\u200ba'],
    ['a zero-width joiner', 'ad\u200da'],
    ['a right-to-left override', 'ad\u202ea'],
    ['a right-to-left isolate', 'ad\u2067a'],
    ['a byte order mark', '\ufeffada'],
    ['a soft hyphen', 'ad\u00ada'],
    ['a lone high surrogate', 'ad\ud800a'],
    ['a lone low surrogate', 'ad\udc00a'],
    ['a control character', 'ad\u0007a'],
    ['a space', 'ad a'],
  ])('refuses a username with %s with a JSON 400, at registration and at login', async (_, username) => {
    const app = appWith()
    const registered = await problemOf(
      await app.fetch(post(`${ORIGIN}/register`, { username, password: PASSWORD })),
      400,
    )
    expect(registered.message).toContain('"username"')
    await problemOf(await app.fetch(post(`${ORIGIN}/login`, { username, password: PASSWORD })), 400)
    await problemOf(
      await app.fetch(post(`${ORIGIN}/register`, { email: `${username}@x.test`, password: PASSWORD })),
      400,
    )
  })

  it('accepts letters of any script, with their accents', async () => {
    const app = appWith()
    for (const username of ['José', 'Zoë', 'Łukasz', 'Дарья', '太郎']) {
      expect((await app.fetch(post(`${ORIGIN}/register`, { username, password: PASSWORD }))).status).toBe(201)
    }
  })
})
