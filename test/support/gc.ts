/**
 * Node's garbage collector, reached without starting Node with `--expose-gc`, run twice with real event-loop turns
 * between (finalizers, WeakRef clearing and pending I/O callbacks run there). Free of Vitest, so that the scripts
 * that measure memory use it too.
 */
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

const TURNS = 50

export async function collectGarbage(): Promise<void> {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  gc()
  for (let turn = 0; turn < TURNS; turn++) await new Promise((resolve) => setImmediate(resolve))
  gc()
}
