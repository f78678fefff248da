/**
 * Shared by the benchmark pages: a file input like the app's, the clock, and a result the driver
 * (bench/import.js) reads with `page.evaluate(() => window.benchResult)`.
 *
 * The clock starts in the input's `change` event (as for Pollen, where a capture listener on the
 * document starts it) and stops when the page's import is complete.
 */

/**
 * @param {(file: File) => Promise<Record<string, unknown>>} importFile does the work, timed; what
 *   it returns is added to the result
 * @param {object} [hooks]
 * @param {() => Promise<void>} [hooks.prepare] runs at load, before the page says it is ready
 * @param {() => Promise<Record<string, unknown>>} [hooks.verify] runs after the clock stopped
 *   (e.g. counts what was stored); what it returns is added to the result
 */
export function benchPage (importFile, { prepare = async () => {}, verify = async () => ({}) } = {}) {
  const input = /** @type {HTMLInputElement} */ (document.querySelector('[data-testid=file-input]'))
  const status = /** @type {HTMLElement} */ (document.querySelector('[data-testid=status]'))
  /** @type {(value: unknown) => void} */
  let settle = () => {}
  // @ts-ignore -- read by the driver
  window.benchResult = new Promise(resolve => { settle = resolve })
  // @ts-ignore -- read by the driver
  window.benchReady = prepare().then(() => { status.textContent = 'ready'; return true })

  input.addEventListener('change', () => {
    const start = performance.now()
    const file = input.files?.[0]
    if (file == null) return
    status.textContent = 'running'
    importFile(file).then(
      async (extra) => {
        const end = performance.now()
        const ms = end - start
        status.textContent = `done in ${ms.toFixed(0)} ms`
        const checked = await verify()
        // verifyMs: time after the clock stopped, which the driver leaves out of its own clock.
        settle({ ok: true, ms, bytes: file.size, ...extra, ...checked, verifyMs: performance.now() - end })
      },
      (err) => {
        status.textContent = `failed: ${err}`
        settle({ ok: false, error: String(err?.stack ?? err) })
      }
    )
  })
}

/** @param {ArrayBuffer} digest */
export function hex (digest) {
  const bytes = new Uint8Array(digest)
  let out = ''
  for (let i = 0; i < bytes.length; i++) out += bytes[i].toString(16).padStart(2, '0')
  return out
}
