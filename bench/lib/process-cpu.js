// @ts-check
import { readFileSync } from 'node:fs'

/** Clock ticks per second of /proc's times (USER_HZ, 100 on Linux everywhere). */
const TICKS_PER_SECOND = 100

/**
 * CPU time (user and system, all threads) a process has used so far, in ms, from /proc; undefined
 * where there is no /proc or no such process. Steadier than a transfer's speed on a shared machine:
 * it counts the work, not the wait for a core.
 * @param {number} pid
 * @returns {number | undefined}
 */
export function processCpuMs (pid) {
  let stat
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // The name in parentheses may hold spaces; the fields after it are space separated.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return ticks * 1000 / TICKS_PER_SECOND
}
