/**
 * `npm run reliability`: runs the reliability suites and the soak, then writes README's "Reliability" figures
 * (between `<!-- reliability:start -->` and `<!-- reliability:end -->`) from what they measured. No figure there is
 * typed by hand.
 *
 * 1. The fault matrix (test/reliability-faults.test.ts): faults × transports × ways to need a refresh, several
 *    callers each, against one set of invariants.
 * 2. The properties (test/reliability-properties.test.ts) at RELIABILITY_PROPERTY_RUNS runs per transport
 *    (default 500).
 * 3. Memory over 10,000 refresh cycles (test/reliability-memory.test.ts).
 * 4. `npm run soak` (scripts/soak.ts): the reference server under loopback load.
 * The suites hand their figures over as JSON files (test/support/figures.ts). Any failure stops the script before
 * README is touched.
 *
 * Usage: `npm run reliability` (add `-- --no-write` to print without touching README).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import process from 'node:process'
import { rewriteReadmeBlock } from './readme-block.ts'

const root = new URL('..', import.meta.url)
const write = !process.argv.includes('--no-write')
const propertyRuns = Number(process.env.RELIABILITY_PROPERTY_RUNS ?? 500)
const SUITES = [
  'test/reliability-faults.test.ts',
  'test/reliability-properties.test.ts',
  'test/reliability-memory.test.ts',
]

type Figures = Record<string, number>

/** Runs the suites with figures requested; their JSON files, by suite. */
function runSuites(): Record<'faults' | 'properties' | 'memory', Figures> {
  const directory = mkdtempSync(join(tmpdir(), 'reliability-'))
  try {
    const run = spawnSync('npx', ['vitest', 'run', ...SUITES], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, RELIABILITY_FIGURES: directory, PROPERTY_RUNS: String(propertyRuns) },
    })
    if (run.status !== 0) throw new Error('the reliability suites failed: README left as it was')
    const read = (suite: string) => JSON.parse(readFileSync(join(directory, `${suite}.json`), 'utf8')) as Figures
    return { faults: read('faults'), properties: read('properties'), memory: read('memory') }
  } finally {
    rmSync(directory, { recursive: true, force: true })
  }
}

interface Soak {
  seconds: number
  connections: number
  requests: { sent: number; answered: number; non2xx: number; errors: number; timeouts: number }
  heap: { beforeBytes: number; afterLoadBytes: number; afterFamiliesEndedBytes: number }
  families: { afterFamiliesEnded: number }
  checks: Record<string, boolean>
}

/** Runs `scripts/soak.ts` (it prints its figures as JSON and exits 1 when a check fails). */
function runSoak(): Soak {
  const run = spawnSync(process.execPath, ['scripts/soak.ts'], { cwd: root, encoding: 'utf8' })
  process.stderr.write(run.stderr)
  if (run.status !== 0) throw new Error(`the soak failed: README left as it was\n${run.stdout}`)
  return JSON.parse(run.stdout.slice(run.stdout.indexOf('{'))) as Soak
}

const integer = (value: number) => Math.round(value).toLocaleString('en-US')
const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`
const figure = (figures: Figures, name: string) => {
  const value = figures[name]
  if (value === undefined) throw new Error(`a suite did not report "${name}"`)
  return value
}

function section(suites: ReturnType<typeof runSuites>, soak: Soak): string {
  const { faults, properties, memory } = suites
  const failed = soak.requests.errors + soak.requests.timeouts + soak.requests.non2xx
  const lost = figure(faults, 'unsettled') + figure(properties, 'unsettled') + failed
  const inFlight = soak.requests.sent - soak.requests.answered
  const date = new Date().toISOString().slice(0, 10)
  return [
    `Measured by \`npm run reliability\` on ${date}, Node ${process.versions.node}, ${cpus().length} × ${cpus()[0]?.model.split(' ').slice(0, 2).join(' ') ?? 'CPU'}.`,
    '',
    '| Suite | What ran | Figures |',
    '| --- | --- | --- |',
    `| Fault matrix (\`test/reliability-faults.test.ts\`) | ${figure(faults, 'faults')} refresh faults × 2 transports × 2 ways to need a refresh = ${integer(figure(faults, 'cases'))} cases, several callers at once in each | ${integer(figure(faults, 'requests'))} requests made, ${integer(figure(faults, 'sent'))} sent on the wire; ${figure(faults, 'unsettled')} lost or settled twice; ${figure(faults, 'violations')} invariant violations |`,
    `| Properties (\`test/reliability-properties.test.ts\`) | ${integer(figure(properties, 'runsPerTransport'))} random runs per transport over two tabs (${integer(figure(properties, 'runs'))} in all) | ${integer(figure(properties, 'commands'))} commands, ${integer(figure(properties, 'requests'))} requests made, ${integer(figure(properties, 'sent'))} sent, ${integer(figure(properties, 'refreshes'))} refreshes; ${figure(properties, 'unsettled')} lost |`,
    `| Memory (\`test/reliability-memory.test.ts\`) | ${integer(figure(memory, 'cycles'))} refresh cycles after 1,000 to warm up | live objects ${integer(figure(memory, 'liveObjectsBefore'))} → ${integer(figure(memory, 'liveObjectsAfter'))}; heap ${megabytes(figure(memory, 'heapBeforeBytes'))} → ${megabytes(figure(memory, 'heapAfterBytes'))} after GC (${figure(memory, 'heapPerCycleBytes')} B a cycle, V8's tables: see above); SDK timers pending ${figure(memory, 'timersAfterWarmUp')} → ${figure(memory, 'timersAtEnd')}; abort listeners left on the page's signal: ${figure(memory, 'abortListenersAtEnd')} |`,
    `| Soak (\`npm run soak\`) | the reference server under ${Math.round(soak.seconds)} s of loopback load, ${soak.connections} connections | ${integer(soak.requests.answered)} requests answered of ${integer(soak.requests.sent)} sent (${inFlight} in flight when the load stopped), ${soak.requests.errors + soak.requests.timeouts} errors, ${soak.requests.non2xx} non-2xx; heap ${megabytes(soak.heap.beforeBytes)} before, ${megabytes(soak.heap.afterLoadBytes)} after the load, ${megabytes(soak.heap.afterFamiliesEndedBytes)} once the families ended (${soak.families.afterFamiliesEnded} left) |`,
    '',
    `**Requests lost: ${lost}**: requests of the matrix and the properties that never settled or settled twice, and soak requests that failed or were not answered 2xx.`,
  ].join('\n')
}

const text = section(runSuites(), runSoak())
console.log(`\n${text}\n`)
if (write) rewriteReadmeBlock('reliability', text)
