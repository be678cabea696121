/**
 * Rewrites one marked block of README.md (between `<!-- name:start -->` and `<!-- name:end -->`) with what a script
 * measured, then lets Biome format README (it aligns tables), as the lint step expects. The scripts that measure
 * (bench, kit-memory, reliability) write their figures only through this: none is typed by hand.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

const root = new URL('..', import.meta.url)

export function rewriteReadmeBlock(name: string, text: string): void {
  const readmeUrl = new URL('README.md', root)
  const readme = readFileSync(readmeUrl, 'utf8')
  const start = `<!-- ${name}:start -->`
  const end = `<!-- ${name}:end -->`
  const from = readme.indexOf(start)
  const to = readme.indexOf(end)
  if (from < 0 || to < from) throw new Error(`README has no ${start} … ${end} block`)
  writeFileSync(readmeUrl, `${readme.slice(0, from + start.length)}\n${text}\n${readme.slice(to)}`)
  execFileSync('npx', ['biome', 'format', '--write', 'README.md'], { cwd: root, stdio: 'ignore' })
  console.log(`README.md: the ${name} block is rewritten.`)
}
