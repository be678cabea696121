/**
 * Runs `npm start` (the reference server) as a child process, as a user would.
 *
 * npm runs the script through `sh -c`, which `exec`s node, so the server is npm's
 * child: each start gets its own process group, and a signal to the group reaches
 * npm and node alike, as Ctrl-C in a terminal does.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'

/** How npm ended: `code` when it exited, `signal` when a signal ended it. */
export interface Exit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
}

export interface RunningProcess {
  readonly pid: number
  readonly command: string
}

export interface StartedServer {
  readonly url: string
  readonly child: ChildProcess
  /** Everything the process printed so far (stdout and stderr). */
  output(): string
  /** The processes of its group that are still running (npm, node, node's helpers), as `ps` lists them. */
  processes(): RunningProcess[]
  /** Sends `signal` to npm alone (not its group), as a process manager or `kill <npm's pid>` does. */
  signalNpm(signal: NodeJS.Signals): void
  /** Resolves with npm's exit once npm and every process sharing its output (node included) have exited. */
  exited(timeoutMs?: number): Promise<Exit>
  /**
   * Sends `signal` to the whole process group and resolves as {@link exited};
   * a group still running 5 s later is killed, and the promise rejects.
   */
  stop(signal?: NodeJS.Signals): Promise<Exit>
}

/** The variables serve.ts reads: never inherited from the developer's shell, so that every start is hermetic. */
const SERVER_VARIABLES = [
  'PORT',
  'JWT_SECRET',
  'JWT_REFRESH_SECRET',
  'JWT_EXPIRATION',
  'JWT_REFRESH_EXPIRATION',
  'REFRESH_TRANSPORT',
  'REFRESH_REUSE_GRACE',
  'AUTH_PROFILE',
  'BCRYPT_COST',
  'CORS_ORIGINS',
  'DATABASE',
  'AUTH_STORE',
  'HOST',
  'CONTROL_API',
  'LOG',
  'TRUST_PROXY',
  'COOKIE_NAME',
  'COOKIE_PATH',
  'COOKIE_SAMESITE',
  'LOGIN_MAX_FAILURES_PER_ACCOUNT',
  'LOGIN_MAX_FAILURES_PER_CLIENT',
  'LOGIN_FAILURE_WINDOW',
  'SEED_USERS',
]

const STOP_GRACE_MS = 5_000

/** Secrets for a test server; random, never fixed. */
export function testSecrets(): { JWT_SECRET: string; JWT_REFRESH_SECRET: string } {
  return { JWT_SECRET: randomBytes(32).toString('hex'), JWT_REFRESH_SECRET: randomBytes(32).toString('hex') }
}

function within<T>(promise: Promise<T>, timeoutMs: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message())), timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function groupProcesses(groupId: number): RunningProcess[] {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' })
  return table.split('\n').flatMap((line) => {
    const [, pid, pgid, stat, command] = /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(line) ?? []
    // A zombie has exited; it only waits for its new parent to reap it.
    if (Number(pgid) !== groupId || stat === undefined || stat.startsWith('Z')) return []
    return [{ pid: Number(pid), command: command ?? '' }]
  })
}

/** Spawns `npm start --silent` in its own process group, with `env` over a hermetic environment. */
function spawnNpmStart(env: Record<string, string>) {
  const inherited = { ...process.env }
  for (const name of SERVER_VARIABLES) delete inherited[name]
  const child = spawn('npm', ['start', '--silent'], {
    cwd: new URL('../..', import.meta.url),
    // The in-memory store unless a test names one: no start writes into the repository's .data/.
    env: { ...inherited, PORT: '0', BCRYPT_COST: '4', DATABASE: 'memory', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const listeners = new Set<() => void>()
  const collect = (chunk: Buffer) => {
    output += chunk.toString()
    for (const listener of listeners) listener()
  }
  child.stdout.on('data', collect)
  child.stderr.on('data', collect)

  // `close` waits for the pipes as well as for npm: node holds them too, so it means both exited.
  let settled = false
  const closed = once(child, 'close').then(
    ([code, signal]) => ({ code, signal }) as Exit,
    (error: unknown) => {
      throw new Error('npm start could not be spawned', { cause: error })
    },
  )
  void closed
    .catch(() => undefined)
    .then(() => {
      settled = true
    })

  const signalGroup = (signal: NodeJS.Signals) => {
    // Once the group is gone its id may be reused by strangers: never signal it then.
    if (settled || child.pid === undefined) return
    try {
      process.kill(-child.pid, signal)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
  }

  const killAndWait = async () => {
    signalGroup('SIGKILL')
    await closed.catch(() => undefined)
  }

  return {
    child,
    output: () => output,
    onOutput: (listener: () => void) => listeners.add(listener),
    closed,
    signalGroup,
    killAndWait,
  }
}

/**
 * Spawns `npm start` with `env` added and resolves once it listens and answers HTTP;
 * for a result other than "listening", see {@link runNpmStart}.
 */
export async function startNpmServer(env: Record<string, string>, timeoutMs = 15_000): Promise<StartedServer> {
  const run = spawnNpmStart(env)
  const { child, output, closed, signalGroup } = run

  const listening = new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /listening on (http:\/\/\S+)/.exec(output())
      if (match?.[1]) resolve(match[1])
    }
    run.onOutput(check)
    closed.then(
      (exit) => reject(new Error(`npm start exited (${JSON.stringify(exit)}) before listening:\n${output()}`)),
      reject,
    )
  })
  // serve.ts prints its address before it installs its SIGINT/SIGTERM handlers, and a signal in between
  // kills node at once (the default action). It installs them in the same synchronous step, though, so
  // once it has answered a request (a later turn of its event loop), it is ready for them too.
  const ready = listening.then(async (url) => {
    await (await fetch(url)).arrayBuffer()
    return url
  })
  let url: string
  try {
    url = await within(ready, timeoutMs, () => `npm start did not become ready within ${timeoutMs} ms:\n${output()}`)
  } catch (error) {
    await run.killAndWait()
    throw error
  }

  const exited = (waitMs = STOP_GRACE_MS) =>
    within(closed, waitMs, () => `npm start was still running ${waitMs} ms later:\n${output()}`)

  return {
    url,
    child,
    output,
    processes: () => (child.pid === undefined ? [] : groupProcesses(child.pid)),
    signalNpm: (signal) => child.kill(signal),
    exited,
    async stop(signal = 'SIGTERM') {
      signalGroup(signal)
      try {
        return await exited()
      } catch (error) {
        await run.killAndWait()
        throw new Error(`npm start did not stop within ${STOP_GRACE_MS} ms of ${signal}; it was killed`, {
          cause: error,
        })
      }
    },
  }
}

/**
 * Runs `npm start` expecting it to exit by itself (a configuration error); resolves with its exit and output.
 * One still running after `timeoutMs` is killed, and the promise rejects.
 */
export async function runNpmStart(env: Record<string, string>, timeoutMs = 10_000): Promise<Exit & { output: string }> {
  const run = spawnNpmStart(env)
  try {
    const exit = await within(
      run.closed,
      timeoutMs,
      () => `npm start was still running after ${timeoutMs} ms:\n${run.output()}`,
    )
    return { ...exit, output: run.output() }
  } catch (error) {
    await run.killAndWait()
    throw error
  }
}
