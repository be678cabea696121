/**
 * Bundles a test page with esbuild and serves it, with MSW's service worker
 * script, from a static node:http server on 127.0.0.1.
 */
import { readFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url))

export interface PageServer {
  /** Where the page is, such as `http://127.0.0.1:41234/`. */
  readonly url: string
  /** The page's origin. */
  readonly origin: string
  close(): Promise<void>
}

/** The page module (`entry`, relative to test/browser) as one browser ES module; esbuild reads the `.ts` sources. */
export async function bundle(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL(`../${entry}`, import.meta.url))],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  })
  return result.outputFiles[0]?.text ?? ''
}

const html = (title: string) => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${title}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #1a1a1a; }
  table { border-collapse: collapse; margin-top: 12px; }
  th, td { border: 1px solid #bbb; padding: 4px 10px; text-align: left; vertical-align: top; }
  td:last-child { white-space: pre-wrap; font-family: ui-monospace, monospace; font-size: 12px; }
  th { background: #eee; }
  .ok { color: #0a6b1f; font-weight: 600; }
  .bad { color: #b00020; font-weight: 600; }
</style>
<script type="module" src="/page.js"></script>
</head>
<body>
<h1>${title}</h1>
<p id="status">Loading...</p>
<table id="summary"><thead><tr><th>Scenario</th><th>Transport</th><th>Observed</th></tr></thead><tbody></tbody></table>
</body>
</html>
`

/**
 * Serves `entry` (a file in test/browser) bundled as `/page.js` under `/`, and
 * MSW's `mockServiceWorker.js` at the root, where `setupWorker` looks for it.
 */
export async function servePage(entry: string, title: string): Promise<PageServer> {
  const [script, worker] = await Promise.all([
    bundle(entry),
    readFile(root('node_modules/msw/lib/mockServiceWorker.js'), 'utf8'),
  ])
  const files: Record<string, readonly [string, string]> = {
    '/': ['text/html; charset=utf-8', html(title)],
    '/page.js': ['text/javascript; charset=utf-8', script],
    '/mockServiceWorker.js': ['text/javascript; charset=utf-8', worker],
  }
  const server: Server = createServer((request, response) => {
    const file = files[new URL(request.url ?? '/', 'http://localhost').pathname]
    if (!file) {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, { 'content-type': file[0], 'cache-control': 'no-store' }).end(file[1])
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url: `${origin}/`,
    origin,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      }),
  }
}
