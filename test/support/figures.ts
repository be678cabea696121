/**
 * Figures that the reliability suites measure, for `npm run reliability` (scripts/reliability.ts) to put in README:
 * written as `<suite>.json` into the directory named by `RELIABILITY_FIGURES`, and nowhere when it is unset (a
 * plain `npm test`). Figures are counts and bytes, never tokens.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export function recordFigures(suite: string, figures: Record<string, number>): void {
  const directory = process.env.RELIABILITY_FIGURES
  if (!directory) return
  mkdirSync(directory, { recursive: true })
  writeFileSync(join(directory, `${suite}.json`), `${JSON.stringify(figures, null, 2)}\n`)
}
