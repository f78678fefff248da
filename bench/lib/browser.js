/**
 * The Chromium the benchmarks run in: the one of scripts/chromium.js, as the e2e tests.
 */
import { chromium } from '@playwright/test'

import { CHROMIUM_ARGS, CHROMIUM_PATH as CHROMIUM } from '../../scripts/chromium.js'

export { CHROMIUM, CHROMIUM_ARGS }

/** @returns {Promise<import('@playwright/test').Browser>} */
export async function launchChromium () {
  return await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], headless: true })
}

/**
 * A Chromium of its own with a profile directory on disk (for storage measured on disk rather
 * than in an off-the-record context); closing the context ends that browser.
 * @param {string} userDataDir
 * @returns {Promise<import('@playwright/test').BrowserContext>}
 */
export async function launchPersistent (userDataDir) {
  return await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: [...CHROMIUM_ARGS], headless: true })
}

/**
 * Resolves with what `promise` resolves, or rejects after `ms`.
 * @template T
 * @param {Promise<T>} promise
 * @param {number} ms
 * @param {string} what
 * @returns {Promise<T>}
 */
export async function withTimeout (promise, ms, what) {
  /** @type {NodeJS.Timeout | undefined} */
  let timer
  try {
    return await Promise.race([
      promise,
      new Promise((_resolve, reject) => {
        timer = setTimeout(() => { reject(new Error(`${what}: no result after ${ms / 1000} s`)) }, ms)
      })
    ])
  } finally {
    clearTimeout(timer)
  }
}
