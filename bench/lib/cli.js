/**
 * Running one benchmark alone: `node bench/<name>.js [--runs N] [--size MiB] [--no-write]`,
 * plus whatever flags that benchmark adds.
 */
import { parseArgs } from 'node:util'
import { isMainModule } from '../../scripts/is-main-module.js'

/**
 * Calls `run` with the parsed flags when `moduleUrl` is the script node was started with.
 * @param {string} moduleUrl the benchmark's import.meta.url
 * @param {(options: Record<string, unknown>) => Promise<unknown>} run
 * @param {{ options?: import('node:util').ParseArgsConfig['options'], extra?: (values: Record<string, any>) => Record<string, unknown> }} [more]
 */
export function runWhenMain (moduleUrl, run, more = {}) {
  if (!isMainModule(moduleUrl)) return
  const { values } = parseArgs({ options: { runs: { type: 'string' }, size: { type: 'string' }, 'no-write': { type: 'boolean' }, ...more.options } })
  run({
    runs: values.runs != null ? Number(values.runs) : undefined,
    sizeMiB: values.size != null ? Number(values.size) : undefined,
    write: values['no-write'] !== true,
    ...more.extra?.(values)
  }).catch(err => { console.error(err); process.exit(1) })
}
