/**
 * Run by `npm run build`, after tsup: in the CommonJS declaration files (`dist/**\/*.d.cts`), imports of the
 * ESM-only dependencies become type-only imports with `resolution-mode: 'import'`. Without it, a CommonJS
 * consumer under node16 resolution that checks declaration files (no `skipLibCheck`) gets TS1479: a
 * CommonJS file cannot `require` an ES module. `test/types/tsconfig.node16.json` is that consumer.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/** The dependencies (and peer dependencies) that ship ES modules only. */
const ESM_ONLY = ['ky', 'msw']

const dist = new URL('../dist/', import.meta.url)
const statement = new RegExp(`^(import|export) (?:type )?(\\{[^}]*\\}) from '(${ESM_ONLY.join('|')})';$`, 'gm')

let rewritten = 0
for (const file of readdirSync(dist, { recursive: true, encoding: 'utf8' })) {
  if (!file.endsWith('.d.cts')) continue
  const path = join(dist.pathname, file)
  const before = readFileSync(path, 'utf8')
  const after = before.replace(statement, (_, keyword: string, names: string, from: string) => {
    rewritten++
    return `${keyword} type ${names} from '${from}' with { 'resolution-mode': 'import' };`
  })
  if (after !== before) writeFileSync(path, after)
}
console.log(`cts-types: ${rewritten} import(s) of ${ESM_ONLY.join(', ')} marked resolution-mode: 'import'`)
