/**
 * Tutorial 000's Express server (the protocol's origin), extracted from the seed text at
 * bench time into a temporary directory and run on this Node, so that `npm run bench`
 * can load it side by side with the reference server. Its code is never committed here.
 *
 * Two edits, both needed to run it at all and to compare fairly: it listens on 127.0.0.1
 * port 0 instead of 3000, and its demo user's password is hashed with bcrypt (the
 * tutorial stores it in clear and then `bcrypt.compare`s against it, which never matches)
 * at the same cost as the reference server's.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listeningUrl } from './listening.ts'

const SEEDS = process.env.TUTORIAL_SEEDS ?? '/work/shared/seeds'
const START = "const express = require('express');"
const END = "app.listen(3000, () => console.log('Server running on http://localhost:3000'));"
const LISTEN = `const server = app.listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + server.address().port));`

/** The server code of tutorial 000, edited as described above, or `undefined` when the seed is not here. */
export function tutorialSource(bcryptCost: number): string | undefined {
  let seed: string
  try {
    const name = readdirSync(SEEDS).find((file) => file.startsWith('000_'))
    if (!name) return undefined
    seed = readFileSync(join(SEEDS, name), 'utf8')
  } catch {
    return undefined
  }
  const from = seed.indexOf(START)
  const to = seed.indexOf(END)
  if (from < 0 || to < from) throw new Error('The tutorial 000 seed no longer holds the server code the bench expects')
  const plainPassword = "password: 'password123'"
  const code = seed.slice(from, to)
  if (!code.includes(plainPassword)) throw new Error('The tutorial 000 seed no longer has its demo user')
  return `${code.replace(plainPassword, `password: bcrypt.hashSync('password123', ${bcryptCost})`)}${LISTEN}\n`
}

export interface TutorialServer {
  readonly url: string
  readonly child: ChildProcess
  /** Removes the temporary directory (after the process is stopped). */
  cleanUp(): void
}

/** Starts tutorial 000's server in its own process, resolving with its URL once it listens. */
export async function startTutorialServer(
  source: string,
  env: Record<string, string>,
  modules: string,
): Promise<TutorialServer> {
  const directory = mkdtempSync(join(tmpdir(), 'tutorial-000-'))
  const file = join(directory, 'server.cjs')
  writeFileSync(file, source)
  const child = spawn(process.execPath, [file], {
    cwd: directory,
    // The tutorial requires express, jsonwebtoken, bcryptjs and dotenv: this repository's devDependencies.
    env: { ...process.env, NODE_PATH: modules, DOTENV_CONFIG_QUIET: 'true', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await listeningUrl(child, 'The tutorial server')
  return { url, child, cleanUp: () => rmSync(directory, { recursive: true, force: true }) }
}
