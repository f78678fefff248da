/**
 * The preload takes a DAG as one CAR stream from the peer that sent its root
 * (src/infra/preload-car.ts) when that peer serves the trustless gateway over
 * libp2p, as Pollen's browser nodes do, and bitswap brings what the stream
 * did not: from an honest peer the stream brings every block below the root;
 * from one that lies, or one that serves no gateway, the preload still
 * completes with the right bytes.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { delegatedHTTPRouter } from '@helia/delegated-routing-client'
import { defaultLogger } from '@libp2p/logger'
import { peerIdFromCID } from '@libp2p/peer-id'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startInfraProcess } from '../../scripts/infra-process.js'
import { startCarPeer, type CarPeer } from './car-peers.ts'
import { http, refLines, waitFor, webSocketAddr, type InfraProcess } from './helpers.ts'

const APP_ORIGIN = 'http://app.localhost:1234'

interface PreloadDone { event: 'preload:done', cid: string, blocks: number, bytes: number, car?: { peer: string, blocks: number, bytes: number, requests: number, error?: string } }

let infra: InfraProcess
let dataDir: string
const logLines: string[] = []

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pollen-preload-car-'))
  infra = await startInfraProcess({ dataDir, allowedOrigins: [APP_ORIGIN], readyTimeoutMs: 60_000, log: line => { logLines.push(line) } })
}, 120_000)

afterAll(async () => {
  await infra?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

/** Log lines before the latest preload began. */
let logMark = 0

async function preload (cid: string): Promise<Array<{ Ref: string, Err: string }>> {
  logMark = logLines.length
  const answer = await http(`${infra.httpUrl}/api/v0/refs?r=true&arg=${cid}`, { method: 'POST', headers: { Origin: APP_ORIGIN } })
  expect(answer.status).toBe(200)
  const lines = refLines(answer.body)
  expect(lines.filter(line => line.Err !== '')).toEqual([])
  return lines
}

/** The infra node's log line that says how the preload of `cid` went. */
async function preloadDone (cid: string): Promise<PreloadDone> {
  return await waitFor(() => logLines.slice(logMark).map(line => { try { return JSON.parse(line) } catch { return undefined } })
    .find(entry => entry?.event === 'preload:done' && entry.cid === cid) as PreloadDone | undefined, `the log line of the preload of ${cid}`, 30_000)
}

/** Every block the infra node now serves from its gateway hashes to its CID. */
async function expectHeld (cids: string[]): Promise<void> {
  for (const cid of cids) {
    const answer = await fetch(`${infra.httpUrl}/ipfs/${cid}?format=raw`)
    expect(answer.status, cid).toBe(200)
    const digest = await sha256.digest(new Uint8Array(await answer.arrayBuffer()))
    expect(CID.parse(cid).multihash.bytes, cid).toEqual(digest.bytes)
  }
}

/** A CAR peer (test/peers/car-peer.ts, with `flags`) connected to the infra node for the tests of one describe block. */
function connectedPeer (flags: string[]): { get: () => CarPeer } {
  let peer: CarPeer | undefined
  beforeAll(async () => {
    peer = await startCarPeer(['--fixtures', ...flags])
    await peer.call('dial', { addr: webSocketAddr(infra) })
  }, 120_000)
  afterAll(async () => { await peer?.stop() })
  return { get: () => peer! }
}

describe('preload from a peer that serves CARs', () => {
  const connected = connectedPeer([])

  it('takes every block below the root from one stream (one request, over a yamux connection), none over bitswap', async () => {
    const peer = connected.get()
    const lines = await preload(peer.fixtures.big)
    expect(lines.length).toBe(64)
    const done = await preloadDone(peer.fixtures.big)
    expect(done.car).toEqual({ peer: peer.peerId, blocks: 64, bytes: 64 * 1024 * 1024, requests: 1 })
    expect(done.bytes).toBeGreaterThan(64 * 1024 * 1024)
    await expectHeld(lines.map(line => line.Ref).slice(0, 3))
  }, 120_000)

  it('a folder too (one CAR of it all)', async () => {
    const peer = connected.get()
    const lines = await preload(peer.fixtures.dir)
    const done = await preloadDone(peer.fixtures.dir)
    expect(done.car?.error).toBeUndefined()
    expect(done.car?.blocks).toBe(lines.length)
  }, 120_000)

  it('then names itself a provider of it to Helia\'s routing client', async () => {
    const infraPeer = webSocketAddr(infra).split('/p2p/').at(-1)
    const router = delegatedHTTPRouter({ url: infra.httpUrl })({ logger: defaultLogger() } as never)
    const found: string[] = []
    // The record's ID must be a peer ID the client reads (docs/upstream/helia-routing-server-peer-ids.md); it drops others.
    for await (const provider of router.findProviders!(CID.parse(connected.get().fixtures.dir), { signal: AbortSignal.timeout(30_000) })) {
      found.push(CID.asCID(provider.id) != null ? peerIdFromCID(provider.id as unknown as CID).toString() : provider.id.toString())
    }
    expect(found).toContain(infraPeer)
  }, 60_000)
})

describe('preload from a peer whose CAR lies about a block', () => {
  const connected = connectedPeer(['--lie'])

  it('drops the stream at the wrong block and takes the rest over bitswap, with the right bytes', async () => {
    const liar = connected.get()
    const lines = await preload(liar.fixtures.file)
    expect(lines.length).toBe(4)
    const done = await preloadDone(liar.fixtures.file)
    expect(done.car?.error).toMatch(/^WrongBlockError: /)
    expect(done.car!.blocks).toBeLessThan(4)
    await expectHeld([liar.fixtures.file, ...lines.map(line => line.Ref)])
  }, 120_000)
})

describe('preload from a peer that serves no gateway', () => {
  const connected = connectedPeer(['--no-gateway'])

  it('takes the whole DAG over bitswap', async () => {
    const plain = connected.get()
    // Fixtures the other peers did not bring: 20 leaves of 1 KiB under three levels of links.
    const lines = await preload(plain.fixtures.deep)
    expect(lines.length).toBeGreaterThan(20)
    const done = await preloadDone(plain.fixtures.deep)
    expect(done.car).toMatchObject({ blocks: 0, error: expect.stringMatching(/^CarNotServedError: /) })
    await expectHeld(lines.map(line => line.Ref))
  }, 120_000)
})
