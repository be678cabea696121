import { beforeAll, beforeEach } from 'vitest'

/**
 * Runs `setup` once before the file's tests. If it throws (no Chromium, a page
 * that does not build), every test fails with its error: Vitest would
 * otherwise list them as skipped, and a browser suite that did not run must
 * never read as anything but a failure.
 */
export function setUpOrFailEach(setup: () => Promise<void>): void {
  let failure: unknown
  beforeAll(async () => {
    try {
      await setup()
    } catch (error) {
      failure = error
    }
  })
  beforeEach(() => {
    if (failure) throw failure
  })
}
