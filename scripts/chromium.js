// @ts-check
/**
 * The Chromium every test and benchmark runs: Debian's package, headless, with
 * the flags that work on these machines (DESIGN.md §3). One list for both, so
 * benchmarks and tests see the same browser.
 */
export const CHROMIUM_PATH = '/usr/bin/chromium'

export const CHROMIUM_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic'
])
