import type { AccessToken } from './access-token.ts'
import type { TabNews } from './tab-news.ts'

/**
 * A refresh as the coordinator runs it: told whether another tab changed the session while this one waited (then
 * the session decides from what it heard: a peer's token, a session that ended), else it refreshes.
 */
export type CoordinatedRefresh = (peerActed: boolean) => Promise<AccessToken>

/**
 * Where one refresh is shared beyond this client: the seam of cross-tab coordination. The session already shares
 * one refresh among its own callers; a coordinator runs it so that one serves every tab of the app, under a lock
 * held across them (`version()` changes whenever the session does, here or through a peer's news), runs a login
 * under that same lock, and tells the other tabs what happened to the session.
 */
export interface Coordinator {
  run(refresh: CoordinatedRefresh, version: () => number): Promise<AccessToken>
  exclusive<T>(task: () => Promise<T>): Promise<T>
  announce(news: TabNews): void
  close(): void
}

/** No coordination beyond this client (Node, and wherever locks or channels are missing, or it is turned off). */
export const soloCoordinator: Coordinator = {
  run: (refresh) => refresh(false),
  exclusive: (task) => task(),
  announce() {},
  close() {},
}
