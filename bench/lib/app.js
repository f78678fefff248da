/**
 * What the network benchmarks do with the app: content for a run and opening a node.
 */

/**
 * Deterministic bytes per run, so every run moves new content (the infra node keeps what it got).
 * @param {number} size
 * @param {number} seed
 */
export function contentFor (size, seed) {
  const out = Buffer.allocUnsafe(size)
  let x = seed >>> 0 || 1
  for (let i = 0; i + 4 <= size; i += 4) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0
    out.writeUInt32LE(x, i)
  }
  return out
}

/**
 * Opens the app on `screen` and waits for the node to be up and connected to a peer (the infra node).
 * @param {import('@playwright/test').Page} page
 * @param {string} appUrl
 * @param {string} screen
 */
export async function openApp (page, appUrl, screen) {
  await page.goto(`${appUrl}#/${screen}`)
  await page.waitForFunction(() => /\d+ peers?/.test(document.querySelector('[data-testid="node-status"]')?.textContent ?? '') &&
    !/0 peers/.test(document.querySelector('[data-testid="node-status"]')?.textContent ?? ''), undefined, { timeout: 30_000 })
}

/**
 * Waits until the page's fetch job is done, or until `reached` is on the page (an element
 * matching `selector`, holding `text` when given); throws the job's error when it fails.
 * @param {import('@playwright/test').Page} page
 * @param {number} timeout
 * @param {{ selector: string, text?: string }} [reached]
 */
export async function waitForFetch (page, timeout, reached) {
  await page.waitForFunction(reached => {
    const status = document.querySelector('[data-testid="fetch-job"]')?.getAttribute('data-status')
    if (status === 'failed') throw new Error(document.querySelector('[data-testid="fetch-error"]')?.textContent ?? 'fetch failed')
    if (status === 'done') return true
    const element = reached == null ? null : document.querySelector(reached.selector)
    return element != null && (reached?.text == null || (element.textContent ?? '').includes(reached.text))
  }, reached, { polling: 'raf', timeout })
}
