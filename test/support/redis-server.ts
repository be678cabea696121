/**
 * A throwaway `redis-server` (the Debian package) on 127.0.0.1 and a free port,
 * with no persistence, for the Redis suite (`npm run test:redis`). Without
 * redis-server on PATH it throws: that suite fails rather than passing empty.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'

export interface RedisServer {
  readonly url: string
  /** Stops the server and resolves once it has exited. */
  stop(): Promise<void>
}

/** A port that was free a moment ago: bound on 127.0.0.1 port 0, then released. */
async function freePort(): Promise<number> {
  const server = net.createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as net.AddressInfo
  server.close()
  await once(server, 'close')
  return port
}

/** Resolves once the server accepts connections; rejects with its output if it exits first. */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) resolve()
    })
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new Error('redis-server is not on PATH: apt-get install -y redis-server', { cause: error })
          : error,
      ),
    )
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${output}`)))
  })
}

async function attempt(): Promise<RedisServer> {
  const port = await freePort()
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  )
  try {
    await ready(child)
  } catch (error) {
    child.kill('SIGKILL')
    throw error
  }
  const exited = once(child, 'exit')
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

/** Starts a server; another process taking the port between the check and the start costs a retry. */
export async function startRedisServer(): Promise<RedisServer> {
  let lastError: unknown
  for (let tries = 0; tries < 5; tries++) {
    try {
      return await attempt()
    } catch (error) {
      lastError = error
      if (!String((error as Error).message).includes('Address already in use')) throw error
    }
  }
  throw lastError
}
