/**
 * Launches the system Chromium for the browser tests. A missing browser is a
 * failure with instructions, never a skip: these tests are the only proof that
 * the SDK and the MSW handlers work in a real browser.
 */
import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

/** Debian's package; `CHROMIUM_PATH` points elsewhere. `npx playwright install` is not an option here. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
]

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: the browser tests need it. ` +
        'Install it (apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary.',
    )
  }
  // Each launch gets a fresh temporary profile: no cookie or service worker survives a run.
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS })
}
