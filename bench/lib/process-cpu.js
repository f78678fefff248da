// @ts-check
import { readdirSync, readFileSync } from 'node:fs'

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

/**
 * CPU time all cores have spent busy so far (everything but idle and I/O wait), in ms, from
 * /proc/stat; undefined without it. Over a transfer, busy time / (wall time × cores) says whether
 * the machine itself was the limit.
 * @returns {number | undefined}
 */
export function machineBusyMs () {
  let stat
  try {
    stat = readFileSync('/proc/stat', 'utf8')
  } catch {
    return undefined
  }
  const [, ...fields] = stat.split('\n')[0].trim().split(/\s+/).map(Number)
  // user nice system idle iowait irq softirq steal …: busy is all but idle (3) and iowait (4).
  const busy = fields.slice(0, 8).reduce((sum, ticks, i) => i === 3 || i === 4 ? sum : sum + ticks, 0)
  return busy * 1000 / TICKS_PER_SECOND
}

/**
 * CPU time so far of each thread of process `pid`, by the thread's name (threads of one name added up).
 * @param {number} pid
 * @returns {Map<string, number>} name → ms
 */
function threadCpuMs (pid) {
  /** @type {Map<string, number>} */
  const threads = new Map()
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const ms = (Number(fields[11]) + Number(fields[12])) * 1000 / TICKS_PER_SECOND
      threads.set(name, (threads.get(name) ?? 0) + ms)
    } catch {}
  }
  return threads
}

/**
 * CPU time so far of every process of the machine, by what it is: Chromium's processes by their
 * --type (renderer, utility for the network service, gpu-process, the browser itself), others by
 * name; with `threads`, Chromium's also by thread ("chromium renderer 123/WebRTC_Network").
 * Differences of two snapshots say which process did the work (BENCH_CPU in transfer.js).
 * @param {{ threads?: boolean }} [options]
 * @returns {Map<string, number>} kind → ms
 */
export function cpuByProcessKind ({ threads = false } = {}) {
  /** @type {Map<string, number>} */
  const kinds = new Map()
  let pids
  try {
    pids = readdirSync('/proc').filter(name => /^\d+$/.test(name))
  } catch {
    return kinds
  }
  for (const pid of pids) {
    try {
      const ms = processCpuMs(Number(pid))
      if (ms == null || ms === 0) continue
      // Chromium's child processes rewrite their command line into one string.
      const text = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      const cmdline = text.split('\0')
      const name = cmdline[0].split(' ')[0].split('/').pop() ?? '?'
      const type = /--type=([\w-]+)/.exec(text)?.[1]
      const service = /--utility-sub-type=[\w]+\.mojom\.(\w+)/.exec(text)?.[1]
      const kind = /chrom/.test(name)
        ? `chromium ${service ?? (type === 'renderer' ? `renderer ${pid}` : type) ?? 'browser'}`
        : /node/.test(name) ? `node ${cmdline.slice(1).find(a => !a.startsWith('-'))?.split('/').slice(-2).join('/')}` : name
      kinds.set(kind, (kinds.get(kind) ?? 0) + ms)
      if (threads && kind.startsWith('chromium')) {
        for (const [thread, threadMs] of threadCpuMs(Number(pid))) kinds.set(`${kind}/${thread}`, (kinds.get(`${kind}/${thread}`) ?? 0) + threadMs)
      }
    } catch {}
  }
  return kinds
}

/**
 * What each kind of process spent between two snapshots of cpuByProcessKind, largest first.
 * @param {Map<string, number>} before
 * @param {Map<string, number>} after
 */
export function cpuSpent (before, after) {
  return [...after].map(([kind, ms]) => [kind, ms - (before.get(kind) ?? 0)]).filter(([, ms]) => Number(ms) >= 20).sort((a, b) => Number(b[1]) - Number(a[1])).map(([kind, ms]) => `${kind} ${ms} ms`).join(', ')
}

/**
 * UDP datagrams the machine has dropped so far because a socket's receive buffer was full
 * (RcvbufErrors of /proc/net/snmp); undefined without it. WebRTC and QUIC ride on UDP: a drop is
 * a loss their congestion control and retransmission timers must recover from.
 * @returns {number | undefined}
 */
export function udpReceiveDrops () {
  let snmp
  try {
    snmp = readFileSync('/proc/net/snmp', 'utf8')
  } catch {
    return undefined
  }
  const [names, values] = snmp.split('\n').filter(line => line.startsWith('Udp:')).map(line => line.split(/\s+/))
  const at = names?.indexOf('RcvbufErrors') ?? -1
  return at > 0 && values != null ? Number(values[at]) : undefined
}
