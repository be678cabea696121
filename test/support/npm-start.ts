/** Runs `npm start` (the reference server) as a child process, as a user would. */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'

export interface StartedServer {
  readonly url: string
  readonly child: ChildProcess
  /** Everything the process printed so far (stdout and stderr). */
  output(): string
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Secrets for a test server; random, never fixed. */
export function testSecrets(): Record<string, string> {
  return { JWT_SECRET: randomBytes(32).toString('hex'), JWT_REFRESH_SECRET: randomBytes(32).toString('hex') }
}

/** Spawns `npm start` with `env` added; for a result other than "listening", see {@link runNpmStart}. */
export async function startNpmServer(env: Record<string, string>, timeoutMs = 15_000): Promise<StartedServer> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: new URL('../..', import.meta.url),
    env: { ...process.env, PORT: '0', BCRYPT_COST: '4', ...env },
    // Its own process group, so that stopping reaches node behind npm.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const exited = once(child, 'exit').then(([code]) => code as number | null)

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`npm start did not listen within ${timeoutMs} ms:\n${output}`)), timeoutMs)
    const poll = setInterval(() => {
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match?.[1]) {
        clearInterval(poll)
        clearTimeout(timer)
        resolve(match[1])
      }
    }, 20)
    void exited.then((code) => {
      clearInterval(poll)
      clearTimeout(timer)
      reject(new Error(`npm start exited with ${code}:\n${output}`))
    })
  })

  return {
    url,
    child,
    output: () => output,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        process.kill(-child.pid, signal)
      }
      return exited
    },
  }
}

/** Runs `npm start` expecting it to exit by itself (a configuration error); resolves with code and output. */
export async function runNpmStart(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: new URL('../..', import.meta.url),
    env: { ...process.env, PORT: '0', BCRYPT_COST: '4', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString()
  })
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, output }
}
