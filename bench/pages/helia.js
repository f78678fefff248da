/**
 * Baseline B: Helia in a page (no SharedWorker, no RPC, no UI), blocks in blockstore-idb and the
 * datastore in datastore-idb, the file fed to @helia/unixfs `addByteStream` as the File's stream,
 * read the way Pollen's node reads it (src/node/import-source.ts).
 *
 *   defaults     `createHelia` and `unixfs(helia).addByteStream(stream)` with their defaults (the
 *                importer's default chunker, layout and CID options); nothing pinned
 *   profile      the same with Pollen's import options (src/lib/import-profile.ts); nothing pinned.
 *                After the clock stops, also times blockstore-idb's has() and get() per block.
 *   profile-pin  as profile, then `helia.pins.add(root)` walked to the end, as Pollen's Library does
 *
 * Offline: `createHelia` keeps its default block brokers (bitswap, trustless gateways) and the
 * libp2p connection encrypters and muxers, but gets no transports, no listen addresses, no peer
 * discovery, no libp2p services and no HTTP routers or gateways, so nothing dials out.
 */
import { unixfs } from '@helia/unixfs'
import { IDBBlockstore } from 'blockstore-idb'
import { IDBDatastore } from 'datastore-idb'
import { createHelia } from 'helia'
import { IMPORT_OPTIONS } from '../../src/lib/import-profile.ts'
import { benchPage } from './harness.js'

const variant = new URLSearchParams(location.search).get('variant') ?? 'defaults'
if (!['defaults', 'profile', 'profile-pin'].includes(variant)) throw new Error(`unknown variant ${variant}`)

/** @type {import('helia').Helia} */
let helia
/** @type {IDBBlockstore} */
let blockstore

/** As src/node/import-source.ts `readFile`, without the progress count. */
async function * readFile (file) {
  const reader = file.stream().getReader()
  try {
    while (true) {
      const { done, value } = await reader.read()
      if (done) return
      yield value
    }
  } finally {
    reader.releaseLock()
  }
}

benchPage(
  async (file) => {
    const fs = unixfs(helia)
    const cid = variant === 'defaults'
      ? await fs.addByteStream(readFile(file))
      : await fs.addByteStream(readFile(file), { ...IMPORT_OPTIONS })
    if (variant === 'profile-pin') {
      for await (const _ of helia.pins.add(cid)) { /* walks the DAG */ }
    }
    return { variant, cid: cid.toString() }
  },
  {
    prepare: async () => {
      blockstore = new IDBBlockstore('bench-helia-blocks')
      const datastore = new IDBDatastore('bench-helia-data')
      await Promise.all([blockstore.open(), datastore.open()])
      helia = await createHelia({
        blockstore,
        datastore,
        http: { delegatedRouters: [], recursiveGateways: [] },
        libp2p: { addresses: { listen: [] }, transports: [], peerDiscovery: [], services: {} }
      })
      await helia.start()
      // @ts-ignore -- for poking at by hand from DevTools or a driver; not used by the benchmark
      window.benchHelia = helia
    },
    verify: async () => {
      const cids = []
      for await (const { cid } of blockstore.getAll()) cids.push(cid)
      if (variant !== 'profile') return { stored: cids.length }
      // After the clock: what one blockstore-idb call costs once the blocks are in, one call at a
      // time as Helia's put (has, then put) and the pin's DAG walk (has, then get) make them.
      let t = performance.now()
      for (const cid of cids) await blockstore.has(cid)
      const hasMs = (performance.now() - t) / cids.length
      t = performance.now()
      for (const cid of cids) for await (const _ of blockstore.get(cid)) { /* one block */ }
      const getMs = (performance.now() - t) / cids.length
      return { stored: cids.length, probe: { hasMs, getMs } }
    }
  }
)
