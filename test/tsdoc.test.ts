/** Every export of the three public entry points carries a TSDoc comment (what editors show users). */
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const entries = ['src/index.ts', 'mock-server/index.ts', 'mock-server/node.ts']
const root = fileURLToPath(new URL('..', import.meta.url))

const program = ts.createProgram(
  entries.map((entry) => `${root}${entry}`),
  {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    allowImportingTsExtensions: true,
    noEmit: true,
    skipLibCheck: true,
  },
)
const checker = program.getTypeChecker()

function undocumented(entry: string): string[] {
  const source = program.getSourceFile(`${root}${entry}`)
  if (!source) throw new Error(`${entry} not found`)
  const module = checker.getSymbolAtLocation(source)
  if (!module) throw new Error(`${entry} has no exports`)
  return checker
    .getExportsOfModule(module)
    .filter((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
      // Re-exported third-party types (JwtPayload) are documented by their own package.
      if (target.declarations?.every((declaration) => declaration.getSourceFile().fileName.includes('node_modules'))) {
        return false
      }
      return ts.displayPartsToString(target.getDocumentationComment(checker)).trim() === ''
    })
    .map((symbol) => symbol.name)
}

describe('TSDoc', () => {
  it.each(entries)('documents every export of %s', (entry) => {
    expect(undocumented(entry)).toEqual([])
  })
})
