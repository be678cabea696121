/** What the page tells a client: it may have slept (shown again, restored, focused), or it is back online. */
export interface PageSignals {
  readonly wake: () => void
  readonly online: () => void
}

/**
 * Listens to the page's lifecycle: `visibilitychange` to visible, `pageshow` (a page restored from the
 * back/forward cache), `focus` and `online`. Returns the function that removes every listener. Outside a page
 * (Node, workers) there is nothing to listen to.
 */
export function watchPage(signals: PageSignals): () => void {
  const page = globalThis.document
  if (!page || typeof globalThis.addEventListener !== 'function') return () => {}
  const onVisibility = () => {
    if (page.visibilityState === 'visible') signals.wake()
  }
  const onWindow: Array<[string, () => void]> = [
    ['pageshow', signals.wake],
    ['focus', signals.wake],
    ['online', signals.online],
  ]
  page.addEventListener('visibilitychange', onVisibility)
  for (const [type, listener] of onWindow) globalThis.addEventListener(type, listener)
  return () => {
    page.removeEventListener('visibilitychange', onVisibility)
    for (const [type, listener] of onWindow) globalThis.removeEventListener(type, listener)
  }
}
