/**
 * The heap, measured after garbage collection (reached without starting Node with `--expose-gc`): in bytes, and as
 * the number of live JavaScript objects, closures and strings, which capacity growth of V8's own tables (undici's
 * FinalizationRegistry of requests, for one) does not change.
 */
import { getHeapSnapshot } from 'node:v8'
import { collectGarbage as collect } from './gc.ts'

/** The heap in use once the garbage collector has run. */
export async function heapAfterGc(): Promise<number> {
  await collect()
  return process.memoryUsage().heapUsed
}

const COUNTED = new Set(['object', 'closure', 'string', 'concatenated string', 'sliced string', 'regexp'])

/** How many objects, closures and strings are live once the garbage collector has run (from a heap snapshot). */
export async function liveObjectsAfterGc(): Promise<number> {
  await collect()
  const chunks: string[] = []
  for await (const chunk of getHeapSnapshot()) chunks.push(String(chunk))
  const { snapshot, nodes } = JSON.parse(chunks.join('')) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } }
    nodes: number[]
  }
  const fields = snapshot.meta.node_fields.length
  const types = snapshot.meta.node_types[0]
  let live = 0
  for (let index = 0; index < nodes.length; index += fields) {
    if (COUNTED.has(types[nodes[index] as number] as string)) live++
  }
  return live
}
