import type { AccessToken } from './access-token.ts'
import type { TabNews } from './tab-news.ts'

/**
 * Where one refresh is shared beyond this client: the seam of cross-tab coordination. The session already shares
 * one refresh among its own callers; a coordinator runs `refresh` so that one serves every tab of the app (under a
 * lock held across them), answering with `current()` when a peer installed a token meanwhile, and tells the other
 * tabs what happened to the session.
 */
export interface Coordinator {
  run(refresh: () => Promise<AccessToken>, current: () => AccessToken | undefined): Promise<AccessToken>
  announce(news: TabNews): void
  close(): void
}

/** No coordination beyond this client (Node, and wherever locks or channels are missing, or it is turned off). */
export const soloCoordinator: Coordinator = {
  run: (refresh) => refresh(),
  announce() {},
  close() {},
}
