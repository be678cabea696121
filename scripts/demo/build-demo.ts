/**
 * The demo page of `npm start` as ONE self-contained HTML document (style and script inline), and the
 * handler that answers `GET /` with it. Node only (esbuild bundles demo-app.ts and the SDK sources).
 *
 * @example
 * const html = await buildDemoPage()
 * await startAuthServer({ home: demoHome(html) })
 */
import { createHash } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { demoDocument } from './page-markup.ts'
import { DEMO_STYLE } from './page-style.ts'

const SCRIPT_OPEN = '<script type="module">'
const STYLE_OPEN = '<style>'

/** Bundles demo-app.ts (with the SDK from src/) into one browser ES module, inlined in the page. */
export async function buildDemoPage(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./demo-app.ts', import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    minify: false,
    logLevel: 'silent',
  })
  const script = result.outputFiles[0]?.text
  if (!script) throw new Error('esbuild produced no demo script')
  // Inlined, the script must not end its own element early (esbuild escapes `</script` in strings).
  if (/<\/script/i.test(script)) throw new Error('The demo script contains "</script" and cannot be inlined')
  return demoDocument(DEMO_STYLE, script)
}

/** The text between `open` and the next `close` in `html`. */
function between(html: string, open: string, close: string): string {
  const start = html.indexOf(open)
  const end = html.indexOf(close, start + open.length)
  if (start === -1 || end === -1) throw new Error(`The demo page has no ${open}...${close} element`)
  return html.slice(start + open.length, end)
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

/** A strict policy: only the page's own inline script and style run, and it talks to its own origin only. */
function contentSecurityPolicy(html: string): string {
  return [
    "default-src 'none'",
    `script-src ${sha256(between(html, SCRIPT_OPEN, '</script>'))}`,
    `style-src ${sha256(between(html, STYLE_OPEN, '</style>'))}`,
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}

/**
 * The `home` handler of the reference server: `GET /` (and `HEAD /`) answer `html`; another method on `/` gets
 * 405, another path 404 (the server routes only `/` here).
 */
export function demoHome(html: string): (request: Request) => Response {
  const headers = {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': contentSecurityPolicy(html),
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  }
  return (request) => {
    if (new URL(request.url).pathname !== '/') return new Response('Not found', { status: 404 })
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return new Response(null, { status: 405, headers: { allow: 'GET, HEAD' } })
    }
    return new Response(request.method === 'HEAD' ? null : html, { headers })
  }
}
