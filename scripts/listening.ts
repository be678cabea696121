import type { ChildProcess } from 'node:child_process'

/**
 * The URL a server process prints as "listening on http://...", or a rejection with everything it printed if it
 * exits first. The stdout listener stays on: the server prints again when it stops, and a full pipe would block it.
 */
export function listeningUrl(child: ChildProcess, what: string): Promise<string> {
  let output = ''
  return new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += String(chunk)
      const match = /listening on (http:\/\/\S+)/.exec(output)
      if (match?.[1]) resolve(match[1])
    })
    child.once('exit', () => reject(new Error(`${what} did not start:\n${output}`)))
  })
}
