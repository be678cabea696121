/**
 * The SQLite store (`npm start`'s default): the store contract on a file, a
 * restart being the file opened again, and on `:memory:`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'vitest'
import { createSqliteStore } from '../mock-server/store/sqlite.ts'
import { defineStoreContract, type StoreUnderTest } from './support/store-contract.ts'

const folder = mkdtempSync(join(tmpdir(), 'ktr-sqlite-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

const paths = new WeakMap<StoreUnderTest, string>()

function opened(path: string): StoreUnderTest {
  const store = createSqliteStore(path)
  const subject: StoreUnderTest = { store, size: () => store.size(), close: async () => store.close() }
  paths.set(subject, path)
  return subject
}

defineStoreContract('SQLite file', {
  open: async () => opened(join(folder, `${crypto.randomUUID()}.sqlite`)),
  async reopen(first) {
    const path = paths.get(first)
    if (!path) throw new Error('not a store this file opened')
    return opened(path)
  },
})

defineStoreContract('SQLite :memory:', { open: async () => opened(':memory:') })
