/**
 * The reference server as `npm run soak` runs it: in a process of its own
 * (started with --expose-gc), so that its heap is measured alone, on loopback
 * port 0, with the measured memory store. It answers the parent over IPC:
 * `measure` (collect garbage, then heap and store counts) and `stop`.
 */
import process from 'node:process'
import { startAuthServer } from '../mock-server/node.ts'
import { createMeasuredMemoryStore } from '../mock-server/store/memory.ts'

export interface Measure {
  readonly heapUsedBytes: number
  readonly families: number
  readonly users: number
  /** Server-side failures the app logged (a healthy run logs none). */
  readonly errorsLogged: number
}

export type SoakMessage =
  | { readonly type: 'listening'; readonly url: string }
  | ({ readonly type: 'measure' } & Measure)

const gc = (globalThis as { gc?: () => void }).gc
if (!gc) throw new Error('soak-server.ts must run with --expose-gc')

const send = (message: SoakMessage) => process.send?.(message)
const store = createMeasuredMemoryStore()
let errorsLogged = 0

const server = await startAuthServer({
  port: 0,
  hostname: '127.0.0.1',
  bcryptCost: 4,
  transport: 'body',
  store,
  accessTokenTtl: Number(process.env.SOAK_ACCESS_TTL ?? 60),
  refreshTokenTtl: Number(process.env.SOAK_REFRESH_TTL ?? 5),
  logger: {
    error: () => {
      errorsLogged += 1
    },
  },
})

process.on('message', async (message: { type: string }) => {
  if (message.type === 'measure') {
    // Twice: the first collection can leave finalizer-held objects for the second.
    gc()
    gc()
    send({ type: 'measure', heapUsedBytes: process.memoryUsage().heapUsed, ...store.size(), errorsLogged })
  } else if (message.type === 'stop') {
    await server.close()
    process.exit(0)
  }
})
send({ type: 'listening', url: server.url })
