/**
 * The trustless gateway over libp2p between real peers (test/peers/car-peer.ts,
 * Helia nodes under Node.js 22 over WebSockets): what the server answers
 * (src/node/car-server.ts), and what the client makes of it
 * (src/lib/car-fetch.ts), an honest server and a lying one.
 */
import { createHash } from 'node:crypto'
import { CID } from 'multiformats/cid'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from './helpers.ts'
import { startCarPeer, type CarPeer, type HttpAnswer } from './car-peers.ts'

const CAR = 'application/vnd.ipld.car'
const LEAF = 1024
let server: CarPeer
let client: CarPeer
let f: Record<string, string>
/** Every block of the fixtures and its links, from dag-scope=all answers. */
const links = new Map<string, string[]>()

async function get (path: string, headers: Record<string, string> = {}): Promise<HttpAnswer & { blocks?: Array<{ cid: string, links: string[] }> }> {
  return await client.call('request', { path, headers })
}

/** Depth-first, each block once: the order a dag-scope=all CAR is in. */
function dfs (root: string, seen = new Set<string>()): string[] {
  if (seen.has(root)) return []
  seen.add(root)
  return [root, ...(links.get(root) ?? []).flatMap(link => dfs(link, seen))]
}

/** The blocks `entity-bytes` should bring of `deep` (1 KiB leaves): the root, the nodes above the leaves that hold [from, to], those leaves. */
function deepRange (from: number, to: number): string[] {
  const leaves = dfs(f.deep).filter(cid => cid.startsWith('bafkrei'))
  const wanted = new Set(leaves.slice(Math.floor(from / LEAF), Math.floor(to / LEAF) + 1))
  const holds = (cid: string): boolean => wanted.has(cid) || (links.get(cid) ?? []).some(holds)
  return dfs(f.deep).filter(holds)
}

beforeAll(async () => {
  [server, client] = await Promise.all([startCarPeer(['--fixtures', '--stall-ms', '5000']), startCarPeer()])
  f = server.fixtures
  await client.call('dial', { addr: server.multiaddrs[0] })
  for (const root of [f.file, f.deep, f.dir, f.hamt, f.cbor]) {
    for (const block of (await get(`/ipfs/${root}?format=car`)).blocks ?? []) links.set(block.cid, block.links)
  }
}, 120_000)

afterAll(async () => {
  await Promise.all([server?.stop(), client?.stop()])
})

describe('the server', () => {
  it('names the trustless gateway at / in /.well-known/libp2p/protocols, as Kubo does', async () => {
    const answer = await get('/.well-known/libp2p/protocols')
    expect(answer.status).toBe(200)
    expect(JSON.parse(answer.text!)).toEqual({ '/ipfs/gateway': { path: '/' } })
  })

  it('serves a raw block, by ?format=raw or by Accept, whose bytes hash to its CID', async () => {
    for (const answer of [await get(`/ipfs/${f.cbor}?format=raw`), await get(`/ipfs/${f.cbor}`, { accept: 'application/vnd.ipld.raw' })]) {
      expect(answer.status).toBe(200)
      expect(answer.headers['content-type']).toBe('application/vnd.ipld.raw')
      expect(answer.headers['content-disposition']).toBe(`attachment; filename="${f.cbor}.bin"`)
      const digest = createHash('sha256').update(Buffer.from(answer.base64!, 'base64')).digest()
      expect(Buffer.from(CID.parse(f.cbor).multihash.digest).equals(digest)).toBe(true)
    }
  })

  it('serves the whole DAG as a CAR by default (dag-scope=all), depth first and each block once', async () => {
    const answer = await get(`/ipfs/${f.deep}`, { accept: `${CAR}; version=1` })
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toBe(`${CAR}; version=1; order=dfs; dups=n`)
    expect(answer.roots).toEqual([f.deep])
    // 20 leaves under three levels of nodes of at most 4 links.
    expect(answer.cids).toHaveLength(20 + 5 + 2 + 1)
    expect(answer.cids).toEqual(dfs(f.deep))
    // Not UnixFS: the links of a dag-cbor block are followed all the same.
    expect((await get(`/ipfs/${f.cbor}?format=car`)).cids).toEqual([f.cbor, ...dfs(f.file)])
  })

  it('dag-scope=block is the block alone; dag-scope=entity a whole file, a directory\'s block, a HAMT\'s shards, a dag-cbor block', async () => {
    expect((await get(`/ipfs/${f.deep}?format=car&dag-scope=block`)).cids).toEqual([f.deep])
    expect((await get(`/ipfs/${f.deep}?format=car&dag-scope=entity`)).cids).toEqual(dfs(f.deep))
    expect((await get(`/ipfs/${f.dir}?format=car&dag-scope=entity`)).cids).toEqual([f.dir])
    const shards = (await get(`/ipfs/${f.hamt}?format=car&dag-scope=entity`)).cids!
    expect(shards[0]).toBe(f.hamt)
    // Shards only: no entry's file, and every shard of the whole DAG that links to a shard.
    expect(shards.every(cid => cid.startsWith('bafybei'))).toBe(true)
    expect(shards.length).toBeGreaterThan(1)
    expect(dfs(f.hamt).filter(cid => (links.get(cid) ?? []).length > 0)).toEqual(shards)
    expect((await get(`/ipfs/${f.cbor}?format=car&dag-scope=entity`)).cids).toEqual([f.cbor])
  })

  it('entity-bytes picks the blocks that hold the range (inclusive, negative from the end), across levels of links', async () => {
    const size = 20 * LEAF
    const cases: Array<[string, number, number]> = [['5000:6000', 5000, 6000], ['0:0', 0, 0], ['1024:2047', 1024, 2047], ['2047:2048', 2047, 2048],
      ['-5:*', size - 5, size - 1], ['-9999999:-3', 0, size - 3], ['15000:*', 15000, size - 1], ['13000:-7000', 13000, size - 7000]]
    for (const [range, from, to] of cases) {
      const answer = await get(`/ipfs/${f.deep}?format=car&entity-bytes=${range}`)
      expect(answer.status, range).toBe(200)
      expect(answer.cids, range).toEqual(deepRange(from, to))
    }
    // A range that holds no byte of the file gets the root alone.
    expect((await get(`/ipfs/${f.deep}?format=car&dag-scope=entity&entity-bytes=${size}:*`)).cids).toEqual([f.deep])
    // Only with dag-scope=entity: with all, the range means nothing.
    expect((await get(`/ipfs/${f.deep}?format=car&dag-scope=all&entity-bytes=0:0`)).cids).toEqual(dfs(f.deep))
  })

  it('a path sends the blocks that resolve it, HAMT shards included, then the target\'s', async () => {
    const sub = await get(`/ipfs/${f.dir}/sub/b.bin?format=car`)
    const target = sub.roots![0]
    expect(sub.cids!.slice(0, 3)).toEqual([f.dir, links.get(f.dir)!.find(cid => (links.get(cid) ?? []).length > 0 && cid !== target)!, target])
    expect(sub.cids!.slice(2)).toEqual(dfs(target))
    expect((await get(`/ipfs/${f.dir}/sub/b.bin?format=car&dag-scope=block`)).cids).toEqual(sub.cids!.slice(0, 3))

    const entry = await get(`/ipfs/${f.hamt}/f7.txt?format=car`)
    const file = entry.roots![0]
    expect(entry.cids![0]).toBe(f.hamt)
    expect(entry.cids!.at(-1)).toBe(file)
    // A chain: each block links to the next.
    for (let i = 1; i < entry.cids!.length; i++) expect(links.get(entry.cids![i - 1])).toContain(entry.cids![i])
  })

  it('says 400 to what is not a request for a block or a CAR, 406 to deserialized formats, 501 to IPNS, 414 to a long query', async () => {
    const bad = [`/ipfs/notacid?format=car`, `/ipfs/${f.file}?format=car&dag-scope=everything`, `/ipfs/${f.file}?format=car&entity-bytes=1-2`,
      `/ipfs/${f.dir}/a.txt?format=raw`, `/ipfs/${f.file}`, `/ipfs/${f.file}?format=zip`, `/ipfs/${f.dir}/%ZZ?format=car`, '/favicon.ico', '/']
    for (const path of bad) expect((await get(path)).status, path).toBe(400)
    expect((await get(`/ipfs/${f.file}?format=tar`)).status).toBe(406)
    expect((await get(`/ipfs/${f.file}`, { accept: 'text/html' })).status).toBe(406)
    expect((await get(`/ipfs/${f.file}?format=car&car-version=2`)).status).toBe(406)
    expect((await get('/ipns/k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8?format=car')).status).toBe(501)
    expect((await get(`/ipfs/${f.file}?format=car&pad=${'x'.repeat(9000)}`)).status).toBe(414)
  })

  it('answers the probe path /ipfs/bafkqaaa (the empty identity CID) with an empty block and an empty CAR', async () => {
    const raw = await get('/ipfs/bafkqaaa?format=raw')
    expect(raw.status).toBe(200)
    expect(raw.base64).toBe('')
    const car = await get('/ipfs/bafkqaaa?format=car')
    expect(car).toMatchObject({ status: 200, roots: ['bafkqaaa'], cids: [] })
  })

  it('answers HEAD with the headers GET would, and no body', async () => {
    const car = await client.call('request', { path: `/ipfs/${f.big}?format=car`, method: 'HEAD' })
    expect(car.status).toBe(200)
    expect(car.headers['content-type']).toBe(`${CAR}; version=1; order=dfs; dups=n`)
    const raw = await client.call('request', { path: `/ipfs/${f.cbor}?format=raw`, method: 'HEAD' })
    expect(raw.headers['content-length']).toBe(String(Buffer.from((await get(`/ipfs/${f.cbor}?format=raw`)).base64!, 'base64').byteLength))
    expect((await client.call('request', { path: '/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy?format=raw', method: 'HEAD' })).status).toBe(404)
  })

  it('says 404 when the root or a path entry is not on this node, and never fetches it', async () => {
    const elsewhere = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    expect((await get(`/ipfs/${elsewhere}?format=raw`)).status).toBe(404)
    expect((await get(`/ipfs/${elsewhere}?format=car`)).status).toBe(404)
    expect((await get(`/ipfs/${f.dir}/nothing-here?format=car`)).status).toBe(404)
    // The client has the root now... but the server still does not.
    const probe = await get(`/ipfs/${elsewhere}?format=car`, { 'cache-control': 'only-if-cached' })
    expect(probe.status).toBe(412)
  })

  it('ends a CAR where a block is missing: the stream is reset, not closed as if complete', async () => {
    const answer = await get(`/ipfs/${f.partial}?format=car`)
    expect(answer.status).toBe(200)
    // The root and the two leaves before the missing one.
    expect(answer.cids).toHaveLength(3)
    expect(answer.cids![0]).toBe(f.partial)
    expect(answer.cids).not.toContain(f.partialMissing)
    expect(answer.error).toMatch(/reset/)
  })

  it('reads at most one block ahead of what the reader took (a reader that stops leaves the DAG unread), and drops a reader that stalls', async () => {
    const before = (await server.call('reads')).reads
    expect((await client.call('readSome', { path: `/ipfs/${f.big}?format=car`, n: 2 })).count).toBe(2)
    // Once the server stops reading, it has read what the reader took and what the streams hold (yamux lets
    // 16 MiB be on the way, and once more that much can wait in the body the reader left), not the 64 MiB.
    let last = -1
    const read = await waitFor(async () => {
      const now = (await server.call('reads')).reads - before
      const settled = now === last
      last = now
      return settled && now
    }, 'the server to stop reading', 60_000, 1000)
    expect(read).toBeLessThan(40)
    // Its --stall-ms is 5 s: the unread stream is reset.
    await waitFor(async () => (await client.call('heldClosed')).closed.every(Boolean), 'the server to drop the stalled reader', 30_000)
    await client.call('release')
  }, 120_000)

  it(`serves at most 4 requests of one peer at once (429 beyond) and frees a slot when one ends`, async () => {
    const { statuses } = await client.call('hold', { path: `/ipfs/${f.big}?format=car`, n: 5 })
    expect([...statuses].sort()).toEqual([200, 200, 200, 200, 429])
    expect((await get(`/ipfs/${f.cbor}?format=raw`)).status).toBe(429)
    await client.call('release')
    await waitFor(async () => (await get(`/ipfs/${f.cbor}?format=raw`)).status === 200, 'a free slot', 30_000)
 }, 60_000)
})

describe('the client', () => {
  it('stores a whole DAG from one CAR, each block verified, and reports each block', async () => {
    const { result, stored } = await client.call('fetchCar', { cid: f.file })
    expect(result).toMatchObject({ blocks: 5, complete: true, reachedMaxBytes: false })
    // The leaves' 3 MiB and 5 bytes, and the root.
    expect(result.bytes).toBeGreaterThan(3 * 1024 * 1024 + 5)
    expect(stored).toEqual(dfs(f.file))
    expect((await client.call('has', { cids: dfs(f.file) })).has.every(Boolean)).toBe(true)
    // Blocks already here are not stored or reported again.
    const again = await client.call('fetchCar', { cid: f.file })
    expect(again.result).toEqual({ blocks: 0, bytes: 0, complete: true, reachedMaxBytes: false })
    expect(again.stored).toEqual([])
  })

  it('stops before a block that would take it past maxBytes', async () => {
    const { result, stored } = await client.call('fetchCar', { cid: f.deep, maxBytes: 5000 })
    expect(result).toMatchObject({ complete: false, reachedMaxBytes: true })
    expect(result.bytes).toBeLessThanOrEqual(5000)
    expect(stored).toEqual(dfs(f.deep).slice(0, stored.length))
    expect(stored.length).toBeGreaterThan(0)
  })

  it('fails on a CAR cut short, and keeps the blocks that came before', async () => {
    const { error, stored } = await client.call('fetchCar', { cid: f.partial })
    // The stream was reset where the missing block was.
    expect(error.message).toMatch(/reset/)
    expect(stored).toHaveLength(3)
    expect(stored[0]).toBe(f.partial)
  })

  it('rejects a peer that sends bytes that do not match a CID, and stores nothing of it from there', async () => {
    const liar = await startCarPeer(['--fixtures', '--lie'])
    const victim = await startCarPeer()
    try {
      await victim.call('dial', { addr: liar.multiaddrs[0] })
      const { error, stored } = await victim.call('fetchCar', { cid: liar.fixtures.file })
      expect(error, error?.message).toMatchObject({ name: 'WrongBlockError' })
      expect(error.message).toContain('do not match')
      const order = dfs(f.file)
      // The root and the first leaf came before the lie; the lie and what follows were not stored.
      expect(stored).toEqual(order.slice(0, 2))
      expect((await victim.call('has', { cids: order })).has).toEqual([true, true, false, false, false])
    } finally {
      await Promise.all([liar.stop(), victim.stop()])
    }
  }, 120_000)

  it('says a peer that does not speak HTTP, or lacks the root, does not serve it', async () => {
    const other = await startCarPeer(['--no-gateway'])
    try {
      await client.call('dial', { addr: other.multiaddrs[0] })
      const silent = await client.call('fetchCar', { cid: f.file })
      expect(silent.error).toMatchObject({ name: 'CarNotServedError' })
      expect(silent.error.message).toContain('/http/1.1')
    } finally {
      await other.stop()
      await client.call('dial', { addr: server.multiaddrs[0] })
    }
    const { error } = await client.call('fetchCar', { cid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy' })
    expect(error).toMatchObject({ name: 'CarNotServedError' })
    expect(error.message).toContain('404')
  }, 120_000)
})
