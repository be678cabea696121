/** README's cookie-jar recipe: the cookie transport works outside browsers with it, and does not without it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuthClient } from '../src/index.ts'
import { fetchWithCookies } from './recipe-cookie-jar.ts'
import { type StartedServer, startNpmServer, testSecrets } from './support/npm-start.ts'

const DEMO = { username: 'user1', password: 'password123' }

describe('the cookie transport in Node, against npm start', () => {
  let server: StartedServer | undefined
  const url = () => server?.url ?? ''
  beforeAll(async () => {
    server = await startNpmServer(testSecrets())
  })
  afterAll(async () => {
    await server?.stop()
  })

  it('cannot refresh without a cookie jar: Node keeps no cookies, so the refresh finds no session', async () => {
    const auth = createAuthClient({ baseUrl: url() })
    await auth.login(DEMO)
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
  })

  it('with the recipe, logs in, refreshes with the cookie, and logs out, after which the cookie is refused', async () => {
    const auth = createAuthClient({ baseUrl: url(), fetch: fetchWithCookies(new URL(url()).origin) })
    await auth.login(DEMO)
    await auth.refresh()
    await auth.refresh()
    expect((await auth.api.get('protected').json<{ user: { name: string } }>()).user.name).toBe('user1')
    await auth.logout()
    await expect(auth.refresh()).rejects.toMatchObject({ code: 'SESSION_EXPIRED' })
  })
})
