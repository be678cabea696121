/**
 * `npm run kit-memory`: the heap the test kit keeps per request, through the MSW handlers and through the direct
 * `auth.fetch`, and writes README's block between `<!-- kit-memory:start -->` and `<!-- kit-memory:end -->` from the
 * results (nothing in it is typed by hand). Each path: an SDK client logs in, makes WARM_UP calls to
 * `GET /protected`, then CALLS more; the figure is the growth of the heap in use, after a full garbage collection,
 * divided by CALLS. The kit's own record of each request (`requests`) is part of both figures.
 *
 * Usage: `npm run kit-memory` (add `-- --no-write` to print without touching README).
 */
import { setupServer } from 'msw/node'
import { createAuthHandlers } from '../mock-server/index.ts'
import { createAuthClient } from '../src/index.ts'
import { collectGarbage } from '../test/support/gc.ts'
import { rewriteReadmeBlock } from './readme-block.ts'

const WARM_UP = 2000
const CALLS = 3000
const BASE_URL = 'https://api.example.test'
const DEMO = { username: 'user1', password: 'password123' }
const write = !process.argv.includes('--no-write')

/** The heap in use after the collector has run and pending callbacks (finalizers, I/O) have had their turn. */
async function heapAfterGc(): Promise<number> {
  await collectGarbage()
  return process.memoryUsage().heapUsed
}

/** Bytes kept per `GET /protected` by a client on `fetch` (undefined: the global fetch, i.e. through MSW). */
async function perRequest(auth: ReturnType<typeof createAuthHandlers>, direct: boolean): Promise<number> {
  const client = createAuthClient({ baseUrl: BASE_URL, ...(direct && { fetch: auth.fetch }) })
  await client.login(DEMO)
  const calls = async (count: number) => {
    for (let index = 0; index < count; index++) await (await client.fetch('protected')).arrayBuffer()
  }
  await calls(WARM_UP)
  const before = await heapAfterGc()
  await calls(CALLS)
  const kept = ((await heapAfterGc()) - before) / CALLS
  client.dispose()
  return kept
}

const formatted = (bytes: number) =>
  bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${Math.max(0, Math.round(bytes))} B`

const auth = createAuthHandlers({ baseUrl: BASE_URL, bcryptCost: 4 })
const direct = await perRequest(auth, true)
auth.reset()
const server = setupServer(...auth.handlers)
server.listen({ onUnhandledFrame: 'error' })
const msw = await perRequest(auth, false)
server.close()

const date = new Date().toISOString().slice(0, 10)
const block = [
  `Measured by \`npm run kit-memory\` on ${date}, Node ${process.version}: the heap kept per \`GET /protected\` made by`,
  `the SDK, over ${CALLS.toLocaleString('en-US')} calls after ${WARM_UP.toLocaleString('en-US')} to warm up, after a full garbage collection.`,
  '',
  '| Path                         | Heap kept per request |',
  '| ---------------------------- | --------------------- |',
  `| MSW handlers (\`setupServer\`) | ${formatted(msw).padEnd(21)} |`,
  `| \`auth.fetch\` (direct)        | ${formatted(direct).padEnd(21)} |`,
].join('\n')
console.log(block)

if (write) rewriteReadmeBlock('kit-memory', block)
