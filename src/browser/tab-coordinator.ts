import type { AccessToken } from '../session/access-token.ts'
import type { CoordinatedRefresh, Coordinator } from '../session/coordinator.ts'
import { readTabNews, type TabNews } from '../session/tab-news.ts'

/** The Web Locks API, as far as it is used here. */
interface Locks {
  request<T>(
    name: string,
    options: { signal?: AbortSignal; steal?: boolean; ifAvailable?: boolean },
    task: (lock: unknown) => Promise<T>,
  ): Promise<T>
}

const locksOf = (): Locks | undefined => (globalThis.navigator as { locks?: Locks } | undefined)?.locks

const isTimeout = (error: unknown) => (error as Error | undefined)?.name === 'TimeoutError'

/**
 * Runs `task` under the lock `name`, held across the tabs of the origin. A lock still held after `timeout` ms
 * belongs to a tab that is gone or stuck (a refresh never takes that long): it is stolen, so that no tab waits
 * forever. A tab that closes releases its locks by itself.
 */
async function withLock<T>(locks: Locks, name: string, timeout: number, task: () => Promise<T>): Promise<T> {
  try {
    return await locks.request(name, { signal: AbortSignal.timeout(timeout) }, task)
  } catch (error) {
    if (!isTimeout(error)) throw error
    return locks.request(name, { steal: true }, task)
  }
}

/**
 * A marker sent to this tab's own channel through a second one: once it is back, the messages the other tabs
 * posted before it have been delivered too (a channel delivers in order). Bounded, should a marker be lost.
 */
function createEcho(name: string) {
  const sender = new BroadcastChannel(name)
  const waiting = new Map<string, () => void>()
  let sent = 0
  return {
    /** Whether `data` is one of this tab's markers (then its wait is over). */
    heard(data: unknown): boolean {
      const id = (data as { echo?: unknown } | null)?.echo
      if (typeof id !== 'string') return false
      waiting.get(id)?.()
      return true
    },
    roundTrip(): Promise<void> {
      const id = `${Math.random()}:${++sent}`
      return new Promise<void>((resolve) => {
        const done = () => {
          waiting.delete(id)
          clearTimeout(timer)
          resolve()
        }
        const timer = setTimeout(done, 250)
        waiting.set(id, done)
        sender.postMessage({ echo: id })
      })
    },
    close: () => sender.close(),
  }
}

/** How long a tab that waited for the lock waits for the news of the tab that held it, at most. */
const NEWS_WAIT = 1000

/** Waits until a condition holds, checked after each piece of news, or until a time is up. */
function createNewsWaiters() {
  const waiting = new Set<() => void>()
  return {
    check(): void {
      for (const wake of [...waiting]) wake()
    },
    until(condition: () => boolean, timeout: number): Promise<void> {
      if (condition()) return Promise.resolve()
      return new Promise<void>((resolve) => {
        const done = () => {
          waiting.delete(wake)
          clearTimeout(timer)
          resolve()
        }
        const wake = () => {
          if (condition()) done()
        }
        const timer = setTimeout(done, timeout)
        waiting.add(wake)
      })
    },
  }
}

/** What a tab coordinator needs: where to hear the others, and how long a lock may be held. */
export interface TabCoordinatorParts {
  /** Names the channel and the lock: one API's clients share them, another API's do not. */
  readonly key: string
  readonly lockTimeout: number
  readonly onNews: (news: TabNews) => void
}

/**
 * One refresh for all the tabs of an app: a refresh runs under a Web Lock, and its outcome goes to the other tabs
 * over a `BroadcastChannel`. A tab that was waiting for the lock while a peer refreshed finds the peer's token
 * installed, and uses it instead of refreshing. `undefined` where the runtime lacks locks or channels: the client
 * then shares one refresh among its own callers only.
 */
export function createTabCoordinator(parts: TabCoordinatorParts): Coordinator | undefined {
  const locks = locksOf()
  if (!locks || typeof globalThis.BroadcastChannel !== 'function') return undefined
  const name = `ky-token-refresh:${parts.key}`
  const channel = new BroadcastChannel(name)
  const echo = createEcho(name)
  const heard = createNewsWaiters()
  channel.onmessage = (event: MessageEvent) => {
    if (echo.heard(event.data)) return
    const news = readTabNews(event.data)
    if (!news) return
    parts.onNews(news)
    heard.check()
  }

  const locked = <T>(task: () => Promise<T>) => withLock(locks, name, parts.lockTimeout, task)

  return {
    async run(refresh: CoordinatedRefresh, version: () => number): Promise<AccessToken> {
      const before = version()
      const uncontended = await locks.request(name, { ifAvailable: true }, async (lock) => {
        if (!lock) return undefined
        // A tab that let go of the lock just now may have news on its way: hear what is already there first.
        await echo.roundTrip()
        return refresh(version() !== before)
      })
      if (uncontended) return uncontended
      // Another tab held the lock, so it was refreshing: its news is on its way (a channel keeps the order of one
      // sender's messages, not across senders). Wait for it, boundedly, before deciding.
      return locked(async () => {
        await heard.until(() => version() !== before, NEWS_WAIT)
        return refresh(version() !== before)
      })
    },
    // A login: the news the last holder of the lock posted (its refresh of the session this login replaces, or that
    // session's end) is heard first, so that it cannot arrive after the login and be taken for the new session's.
    exclusive: (task) =>
      locked(async () => {
        await echo.roundTrip()
        return task()
      }),
    announce(news: TabNews): void {
      channel.postMessage(news)
    },
    close(): void {
      channel.close()
      echo.close()
    },
  }
}
