// @ts-check
import { realpathSync } from 'node:fs'
import { pathToFileURL } from 'node:url'

/**
 * Whether the module at `moduleUrl` (its import.meta.url) is the script node
 * was started with, rather than imported by another module.
 * @param {string} moduleUrl
 */
export function isMainModule (moduleUrl) {
  if (process.argv[1] == null) return false
  try {
    return moduleUrl === pathToFileURL(realpathSync(process.argv[1])).href
  } catch {
    return false
  }
}
