/**
 * One page of the browser suite that runs everything in Chromium (a bundled
 * page with MSW's worker), shared by the files that need one page for all
 * their tests.
 */
import { mkdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import { afterAll } from 'vitest'
import { launchChromium } from './chromium.ts'
import { type PageServer, servePage } from './page-server.ts'
import { setUpOrFailEach } from './setup.ts'

const ARTIFACTS = fileURLToPath(new URL('../artifacts/', import.meta.url))

export interface MockPage {
  /** The open page (set once the file's set-up ran). */
  readonly page: Page
  /** Uncaught errors, and console errors and warnings, of the page so far. */
  readonly errors: readonly string[]
}

/**
 * Serves `entry` (a file in test/browser), opens it in a fresh Chromium and
 * waits for `ready`. Records the page's uncaught errors and console errors and
 * warnings, except Chromium's "Failed to load resource" lines, which are the
 * 4xx answers the scenarios provoke. After the file, it screenshots the page to
 * test/browser/artifacts/`screenshot` and closes everything.
 */
export function useMockPage(
  entry: string,
  title: string,
  screenshot: string,
  ready: (page: Page) => Promise<unknown>,
): MockPage {
  let browser: Browser | undefined
  let pageServer: PageServer | undefined
  const errors: string[] = []
  const state = { page: undefined as unknown as Page, errors }

  setUpOrFailEach(async () => {
    ;[browser, pageServer] = await Promise.all([launchChromium(), servePage(entry, title)])
    const page = await browser.newPage()
    // A step that cannot happen fails in seconds, naming the step, not at the test timeout.
    page.setDefaultTimeout(5000)
    page.on('pageerror', (error) => errors.push(error.message))
    page.on('console', (message) => {
      const text = message.text()
      if (['error', 'warning'].includes(message.type()) && !text.startsWith('Failed to load resource')) {
        errors.push(text)
      }
    })
    await page.goto(pageServer.url)
    await ready(page)
    state.page = page
  })

  afterAll(async () => {
    try {
      if (state.page && !state.page.isClosed()) {
        await mkdir(ARTIFACTS, { recursive: true })
        await state.page.screenshot({ path: `${ARTIFACTS}${screenshot}`, fullPage: true })
      }
    } finally {
      await Promise.all([browser?.close(), pageServer?.close()])
    }
  })

  return state
}
