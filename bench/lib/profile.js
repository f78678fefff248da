// @ts-check
/**
 * CPU profiles of a browser node (its SharedWorker) and of pages, through the DevTools protocol,
 * and where their time went. Playwright has no handle for shared workers, so the browser-level
 * session attaches to the worker's target (found by the browser context it belongs to) and relays
 * the Profiler commands, as test/e2e/helpers/shared-worker.ts does.
 *
 * The summary is bottom-up: each sample's time goes to its innermost JavaScript frame (native
 * frames such as IndexedDB's put or Uint8Array's set count for the JavaScript that called them),
 * whose position the build's source maps turn into a module of src/ or node_modules/, and the
 * module into a category (CATEGORIES). `(idle)`, `(garbage collector)` and `(program)` are V8's.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Categories of self time by the source module of the innermost JavaScript frame, first match wins.
 * @type {Array<[string, RegExp]>}
 */
export const CATEGORIES = [
  ['noise (ChaCha20-Poly1305, handshake)', /libsodium|^wasm:\/\/|@chainsafe\/libp2p-noise|@noble\/ciphers|@noble\/curves|@noble\/hashes\/(hkdf|hmac)/],
  ['SHA-256 and other hashing', /@noble\/hashes|multiformats\/dist\/src\/hashes|hashes\/sha2/],
  ['IndexedDB (blockstore, datastore)', /blockstore-idb|datastore-idb|node_modules\/idb\/|src\/node\/idb-blockstore/],
  ['yamux', /@chainsafe\/libp2p-yamux/],
  ['byte lists (copying, slicing)', /uint8arraylist|uint8arrays|multiformats\/dist\/src\/bytes/],
  ['protobuf', /protons-runtime|protobufjs|\/pb\/|\.pb\./],
  ['bitswap', /@helia\/bitswap/],
  ['WebRTC (transport, shim)', /@libp2p\/webrtc|src\/node\/webrtc-|src\/lib\/webrtc-|src\/ui\/webrtc-/],
  ['WebSocket / WebTransport transport', /@libp2p\/websockets|@libp2p\/webtransport/],
  ['async iterables, queues, streams', /\/it-[^/]+\/|p-queue|p-defer|race-signal|race-event|abort-error|progress-events|@libp2p\/utils/],
  ['delegated routing (HTTP)', /delegated-routing|@helia\/routers|@libp2p\/http/],
  ['libp2p (other)', /@libp2p\/|node_modules\/libp2p\/|@multiformats\/multiaddr/],
  ['Helia, UnixFS, CIDs', /helia|ipfs-unixfs|@ipld\/|multiformats|cborg|interface-/],
  ['UI (Svelte)', /node_modules\/svelte\/|src\/ui\//],
  ['Pollen (other)', /src\//]
]

/** @typedef {{ send: (method: string, params?: Record<string, unknown>) => Promise<any>, detach: () => Promise<void> }} ProtocolTarget */

/**
 * A DevTools session with the SharedWorker (the browser node) of the browser context `page` belongs to.
 * @param {import('@playwright/test').Browser} browser
 * @param {import('@playwright/test').Page} page
 * @returns {Promise<ProtocolTarget>}
 */
export async function attachToNode (browser, page) {
  const pageSession = await page.context().newCDPSession(page)
  const { targetInfo } = await pageSession.send('Target.getTargetInfo')
  await pageSession.detach()
  const cdp = await browser.newBrowserCDPSession()
  /** @type {{ targetInfos: Array<{ targetId: string, type: string, browserContextId?: string }> }} */
  const { targetInfos } = await cdp.send('Target.getTargets')
  const workers = targetInfos.filter(t => t.type === 'shared_worker' && t.browserContextId === targetInfo.browserContextId)
  if (workers.length !== 1) {
    await cdp.detach()
    throw new Error(`expected the node's one SharedWorker in the page's context, found ${workers.length}`)
  }
  /** @type {{ sessionId: string }} */
  const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: workers[0].targetId, flatten: false })
  let nextId = 1
  /** @type {Map<number, { resolve: (result: any) => void, reject: (err: Error) => void }>} */
  const waiting = new Map()
  cdp.on('Target.receivedMessageFromTarget', (event) => {
    if (event.sessionId !== sessionId) return
    const message = JSON.parse(event.message)
    const call = message.id == null ? undefined : waiting.get(message.id)
    if (call == null) return
    waiting.delete(message.id)
    if (message.error != null) call.reject(new Error(`${message.error.message} (${message.error.code})`))
    else call.resolve(message.result)
  })
  return {
    send: async (method, params = {}) => {
      const id = nextId++
      const result = new Promise((resolve, reject) => { waiting.set(id, { resolve, reject }) })
      await cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) })
      return await result
    },
    detach: async () => { await cdp.detach() }
  }
}

/**
 * A DevTools session with a page itself (its main thread: for WebRTC, the peer connections it hosts).
 * @param {import('@playwright/test').Page} page
 * @returns {Promise<ProtocolTarget>}
 */
export async function attachToPage (page) {
  const session = await page.context().newCDPSession(page)
  return {
    send: async (method, params) => await session.send(/** @type {any} */ (method), params),
    detach: async () => { await session.detach() }
  }
}

/**
 * Starts V8's sampling profiler in `target`; the returned function stops it and gives the profile.
 * @param {ProtocolTarget} target
 * @param {number} [intervalUs] microseconds between samples
 * @returns {Promise<() => Promise<CpuProfile>>}
 */
export async function startProfiling (target, intervalUs = 500) {
  await target.send('Profiler.enable')
  await target.send('Profiler.setSamplingInterval', { interval: intervalUs })
  await target.send('Profiler.start')
  return async () => {
    /** @type {{ profile: CpuProfile }} */
    const { profile } = await target.send('Profiler.stop')
    await target.send('Profiler.disable')
    return profile
  }
}

/**
 * @typedef {{ functionName: string, url: string, lineNumber: number, columnNumber: number }} CallFrame
 * @typedef {{ id: number, callFrame: CallFrame, children?: number[] }} ProfileNode
 * @typedef {{ nodes: ProfileNode[], startTime: number, endTime: number, samples: number[], timeDeltas: number[] }} CpuProfile
 * @typedef {{ name: string, ms: number, share: number }} Slice
 */

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/**
 * Decodes a source map's `mappings` into, per generated line, its segments' generated columns and
 * source indexes (sorted by column, as source maps keep them).
 * @param {string} mappings
 * @returns {Array<{ columns: number[], sources: number[] }>}
 */
export function decodeMappings (mappings) {
  const lines = []
  let source = 0
  for (const line of mappings.split(';')) {
    const columns = []
    const sources = []
    let column = 0
    for (const segment of line.split(',')) {
      if (segment === '') continue
      /** @type {number[]} */
      const values = []
      let value = 0
      let shift = 0
      for (const char of segment) {
        const digit = BASE64.indexOf(char)
        value += (digit & 31) << shift
        if ((digit & 32) !== 0) {
          shift += 5
        } else {
          values.push((value & 1) === 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      column += values[0]
      // Source line, column and name deltas follow; only the source index matters here.
      if (values.length > 1) source += values[1]
      columns.push(column)
      sources.push(values.length > 1 ? source : -1)
    }
    lines.push({ columns, sources })
  }
  return lines
}

/**
 * Maps script positions of the app (served from `appRoot`) to their source modules.
 * @param {string} appRoot
 */
export function sourceResolver (appRoot) {
  /** @type {Map<string, Promise<{ sources: string[], lines: Array<{ columns: number[], sources: number[] }> } | undefined>>} */
  const maps = new Map()
  const load = async (/** @type {string} */ url) => {
    let file
    try {
      file = join(appRoot, new URL(url).pathname) + '.map'
    } catch {
      return undefined
    }
    if (!existsSync(file)) return undefined
    const map = JSON.parse(await readFile(file, 'utf8'))
    return { sources: /** @type {string[]} */ (map.sources), lines: decodeMappings(map.mappings) }
  }
  /**
   * The source module of a frame: a path like ../../node_modules/@noble/ciphers/chacha.js, or the
   * script's URL when it has no map; undefined for native frames.
   * @param {CallFrame} frame
   */
  return async (frame) => {
    if (frame.url === '') return undefined
    if (!maps.has(frame.url)) maps.set(frame.url, load(frame.url))
    const map = await maps.get(frame.url)
    if (map == null) return frame.url
    const line = map.lines[frame.lineNumber]
    if (line == null) return frame.url
    // The last segment at or before the column.
    let lo = 0
    let hi = line.columns.length - 1
    let found = -1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      if (line.columns[mid] <= frame.columnNumber) { found = mid; lo = mid + 1 } else { hi = mid - 1 }
    }
    const index = found === -1 ? -1 : line.sources[found]
    return index >= 0 ? map.sources[index] : frame.url
  }
}

/** A source path shortened to its package (or src/ file) and file. */
function shortModule (/** @type {string} */ path) {
  const inModules = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(.*)$/.exec(path)
  if (inModules != null) return `${inModules[1]}/${inModules[2].replace(/^dist\/(src\/)?/, '')}`
  const inSrc = /(src\/.*)$/.exec(path)
  return inSrc != null ? inSrc[1] : path
}

/**
 * Where the profile's time went: categories and the modules with the most self time.
 * @param {CpuProfile} profile
 * @param {string} appRoot the build the pages were served from (its source maps)
 * @returns {Promise<{ totalMs: number, categories: Slice[], modules: Slice[] }>}
 */
export async function summarise (profile, appRoot) {
  const resolve = sourceResolver(appRoot)
  /** @type {Map<number, ProfileNode>} */
  const byId = new Map(profile.nodes.map(node => [node.id, node]))
  /** @type {Map<number, number>} */
  const parent = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  /** @type {Map<number, { category: string, module: string }>} */
  const attribution = new Map()
  const attribute = async (/** @type {number} */ id) => {
    const known = attribution.get(id)
    if (known != null) return known
    const leaf = /** @type {ProfileNode} */ (byId.get(id))
    let result
    const v8 = /^\((idle|garbage collector|program|root)\)$/.exec(leaf.callFrame.functionName)
    if (v8 != null) {
      const name = v8[1] === 'garbage collector' ? 'garbage collection' : v8[1] === 'idle' ? 'idle' : 'V8 and the browser (program)'
      result = { category: name, module: `(${v8[1]})` }
    } else {
      // Native frames have no URL: the JavaScript that called them decides.
      /** @type {number | undefined} */
      let at = id
      /** @type {string | undefined} */
      let module
      while (at != null && module == null) {
        module = await resolve(/** @type {ProfileNode} */ (byId.get(at)).callFrame)
        at = parent.get(at)
      }
      if (module == null) {
        result = { category: 'native, no JavaScript caller', module: leaf.callFrame.functionName || '(anonymous)' }
      } else {
        const category = CATEGORIES.find(([, pattern]) => pattern.test(module))?.[0] ?? 'other'
        result = { category, module: shortModule(module) }
      }
    }
    attribution.set(id, result)
    return result
  }

  /** @type {Map<string, number>} */
  const categories = new Map()
  /** @type {Map<string, number>} */
  const modules = new Map()
  // A sample lasts until the next one; the last until the profile's end.
  let time = profile.startTime
  const stamps = profile.timeDeltas.map(delta => (time += delta))
  for (let i = 0; i < profile.samples.length; i++) {
    const us = (i + 1 < stamps.length ? stamps[i + 1] : profile.endTime) - stamps[i]
    if (!(us > 0)) continue
    const { category, module } = await attribute(profile.samples[i])
    categories.set(category, (categories.get(category) ?? 0) + us)
    if (category !== 'idle') modules.set(module, (modules.get(module) ?? 0) + us)
  }
  const totalUs = profile.endTime - profile.startTime
  const slices = (/** @type {Map<string, number>} */ map) => [...map]
    .map(([name, us]) => ({ name, ms: us / 1000, share: us / totalUs }))
    .sort((a, b) => b.ms - a.ms)
  return { totalMs: totalUs / 1000, categories: slices(categories), modules: slices(modules) }
}

/**
 * One line per category with at least `min` of the time.
 * @param {Slice[]} slices
 * @param {number} [min]
 */
export function formatSlices (slices, min = 0.01) {
  return slices.filter(s => s.share >= min).map(s => `${s.name} ${(s.share * 100).toFixed(0)} %`).join(', ')
}
