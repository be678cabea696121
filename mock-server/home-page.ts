/**
 * What `GET /` answers by default: a small page naming the server, its routes and the
 * demo user, so that opening the printed URL in a browser shows something useful.
 * The route is a hook (`home` of `startAuthServer`): a demo app can be served there.
 */
import { CONTROL_PATH } from './control.ts'
import { ROUTES } from './test-kit.ts'

export interface HomePageFacts {
  readonly basePath: string
  /** The demo account, or `undefined` when there is none. */
  readonly demoUser: { readonly username: string; readonly password: string } | undefined
  readonly controlApi: boolean
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

export function homePage({ basePath, demoUser, controlApi }: HomePageFacts): Response {
  const routes = ROUTES.map(
    ([method, route]) => `<li><code>${method.toUpperCase()} ${escapeHtml(basePath + route)}</code></li>`,
  )
  const demo = demoUser
    ? `<p>Demo user: <code>${escapeHtml(demoUser.username)}</code> / <code>${escapeHtml(demoUser.password)}</code></p>`
    : '<p>No demo user.</p>'
  const control = controlApi ? `<p>Test controls under <code>${CONTROL_PATH}/</code> (enabled).</p>` : ''
  const html = `<!doctype html>
<html lang="en">
<meta charset="utf-8">
<title>ky-token-refresh reference auth server</title>
<h1>ky-token-refresh reference auth server</h1>
<p>The auth protocol of ky-token-refresh. Routes:</p>
<ul>${routes.join('')}<li><code>GET /health</code></li></ul>
${demo}
${control}
`
  return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } })
}
