/**
 * The preload endpoint under attack, against the real process: each test
 * does what an abuser would and checks the node refuses, and that what a
 * preload fetched does not outlive its retention.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_PRELOAD_MAX_WALKS, DEFAULT_PRELOAD_MAX_WALKS_PER_IP, DEFAULT_PRELOAD_RATE_LIMIT } from '../../src/infra/options.ts'
import { startInfraProcess } from '../../scripts/infra-process.js'
import { startContentPeer, type ContentPeer } from './content-peer.js'
import { http, refLines, startTestInfra, unknownCid, waitFor, webSocketAddr } from './helpers.ts'

const KiB = 1024
const MiB = 1024 * KiB
const APP_ORIGIN = 'http://app.localhost:1234'

/** Block files in the node's blockstore. */
async function blockFiles (dataDir: string): Promise<string[]> {
  const entries = await readdir(join(dataDir, 'blocks'), { recursive: true, withFileTypes: true })
  return entries.filter(entry => entry.isFile() && entry.name.endsWith('.data')).map(entry => entry.name)
}

async function preload (httpUrl: string, cid: string, from?: string): Promise<Awaited<ReturnType<typeof http>>> {
  return await http(`${httpUrl}/api/v0/refs?r=true&arg=${cid}`, { method: 'POST', headers: { Origin: APP_ORIGIN }, from })
}

describe('preload, with a ceiling per walk and a short retention', () => {
  let infra: Awaited<ReturnType<typeof startTestInfra>>
  let peer: ContentPeer

  beforeAll(async () => {
    infra = await startTestInfra(['--preload-max-bytes', '1MiB', '--preload-ttl', '8s'], [APP_ORIGIN])
    // 512 KiB: a root and two leaves; 4 MiB: a root and sixteen leaves.
    peer = await startContentPeer({ dial: webSocketAddr(infra), files: { small: 512 * KiB, big: 4 * MiB } })
  }, 120_000)

  afterAll(async () => {
    await peer?.stop()
    await infra?.dispose()
  })

  it('stops a walk over --preload-max-bytes, says why, and deletes what it fetched', async () => {
    const answer = await preload(infra.httpUrl, peer.roots.big)
    // Refused with a status when nothing was sent yet, else by a last error line.
    const why = answer.status === 200 ? refLines(answer.body).at(-1)?.Err : JSON.parse(answer.body).Message
    if (answer.status !== 200) expect(answer.status).toBe(413)
    expect(why).toContain('--preload-max-bytes')
    const fetched = refLines(answer.body).map(line => line.Ref).filter(ref => ref !== '')
    for (const cid of [peer.roots.big, ...fetched]) {
      expect((await http(`${infra.httpUrl}/ipfs/${cid}?format=raw`)).status, cid).toBe(404)
    }
    expect((await http(`${infra.httpUrl}/preload/${peer.roots.big}`)).status).toBe(404)
    expect(JSON.parse((await http(`${infra.httpUrl}/preload`)).body)).toMatchObject({ roots: 0, blocks: 0, countedBytes: 0 })
    expect(await blockFiles(infra.dataDir)).toEqual([])
  }, 120_000)

  it('keeps a preloaded DAG for --preload-ttl, reports it, then deletes its blocks', async () => {
    const answer = await preload(infra.httpUrl, peer.roots.small)
    expect(answer.status).toBe(200)
    const refs = refLines(answer.body)
    expect(refs.every(line => line.Err === '')).toBe(true)
    expect(refs).toHaveLength(2)
    const held = JSON.parse((await http(`${infra.httpUrl}/preload/${peer.roots.small}`)).body)
    expect(held).toMatchObject({ root: peer.roots.small, blocks: 3 })
    expect(held.bytes).toBeGreaterThan(512 * KiB)
    expect(Date.parse(held.expiresAt) - Date.parse(held.preloadedAt)).toBe(8000)
    expect(JSON.parse((await http(`${infra.httpUrl}/preload`)).body)).toMatchObject({ roots: 1, blocks: 3, ttlSeconds: 8 })
    expect((await http(`${infra.httpUrl}/ipfs/${peer.roots.small}?format=raw`)).status).toBe(200)
    expect(await blockFiles(infra.dataDir)).toHaveLength(3)

    await waitFor(async () => (await http(`${infra.httpUrl}/preload/${peer.roots.small}`)).status === 404, 'the retention to end')
    for (const cid of [peer.roots.small, ...refs.map(line => line.Ref)]) {
      expect((await http(`${infra.httpUrl}/ipfs/${cid}?format=raw`)).status, cid).toBe(404)
    }
    expect(await blockFiles(infra.dataDir)).toEqual([])
    expect(JSON.parse((await http(`${infra.httpUrl}/preload`)).body)).toMatchObject({ roots: 0, blocks: 0, nextExpiry: null })
  }, 120_000)

  it(`refuses walks beyond ${DEFAULT_PRELOAD_MAX_WALKS_PER_IP} per address (429) and ${DEFAULT_PRELOAD_MAX_WALKS} in all (503), with Retry-After`, async () => {
    // Preloads of CIDs nobody has: each walk waits for a block that never comes.
    const waiting: AbortController[] = []
    const hang = async (from: string): Promise<void> => {
      const controller = new AbortController()
      waiting.push(controller)
      const cid = await unknownCid()
      void http(`${infra.httpUrl}/api/v0/refs?r=true&arg=${cid}`, { method: 'POST', from, signal: controller.signal }).catch(() => {})
    }
    try {
      const addresses = Array.from({ length: DEFAULT_PRELOAD_MAX_WALKS / DEFAULT_PRELOAD_MAX_WALKS_PER_IP }, (_, i) => `127.0.0.${i + 2}`)
      for (let i = 0; i < DEFAULT_PRELOAD_MAX_WALKS_PER_IP; i++) await hang(addresses[0])
      await waitFor(async () => JSON.parse((await http(`${infra.httpUrl}/preload`)).body).walks === DEFAULT_PRELOAD_MAX_WALKS_PER_IP, 'the first walks to start')
      const sameAddress = await preload(infra.httpUrl, await unknownCid(), addresses[0])
      expect(sameAddress.status).toBe(429)
      expect(sameAddress.headers['retry-after']).toMatch(/^\d+$/)
      expect(JSON.parse(sameAddress.body).Message).toContain('--preload-max-walks-per-ip')

      for (const from of addresses.slice(1)) {
        for (let i = 0; i < DEFAULT_PRELOAD_MAX_WALKS_PER_IP; i++) await hang(from)
      }
      await waitFor(async () => JSON.parse((await http(`${infra.httpUrl}/preload`)).body).walks === DEFAULT_PRELOAD_MAX_WALKS, 'every walk to start')
      const oneTooMany = await preload(infra.httpUrl, await unknownCid(), '127.0.0.20')
      expect(oneTooMany.status).toBe(503)
      expect(oneTooMany.headers['retry-after']).toMatch(/^\d+$/)
      expect(JSON.parse(oneTooMany.body).Message).toContain('--preload-max-walks')
    } finally {
      for (const controller of waiting) controller.abort()
    }
    // A client that goes away frees its walk.
    await waitFor(async () => JSON.parse((await http(`${infra.httpUrl}/preload`)).body).walks === 0, 'the abandoned walks to end')
  }, 120_000)

  it(`answers 429 to the preload calls of one address beyond ${DEFAULT_PRELOAD_RATE_LIMIT} a minute`, async () => {
    const from = '127.0.0.30'
    const statuses: number[] = []
    for (let i = 0; i <= DEFAULT_PRELOAD_RATE_LIMIT; i++) {
      statuses.push((await http(`${infra.httpUrl}/api/v0/refs?r=true&arg=not-a-cid`, { method: 'POST', from })).status)
    }
    expect(statuses.slice(0, DEFAULT_PRELOAD_RATE_LIMIT).every(status => status === 400)).toBe(true)
    const limited = await http(`${infra.httpUrl}/api/v0/refs?r=true&arg=not-a-cid`, { method: 'POST', from })
    expect(statuses.at(-1)).toBe(429)
    expect(limited.status).toBe(429)
    expect(limited.headers['retry-after']).toMatch(/^\d+$/)
    // Another address is not held back.
    expect((await http(`${infra.httpUrl}/api/v0/refs?r=true&arg=not-a-cid`, { method: 'POST', from: '127.0.0.31' })).status).toBe(400)
  }, 120_000)

  it('sends CORS headers on preload answers only to the app origins', async () => {
    const allowed = await http(`${infra.httpUrl}/api/v0/refs?r=true&arg=not-a-cid`, { method: 'POST', headers: { Origin: APP_ORIGIN }, from: '127.0.0.40' })
    expect(allowed.headers['access-control-allow-origin']).toBe(APP_ORIGIN)
    const foreign = await http(`${infra.httpUrl}/api/v0/refs?r=true&arg=not-a-cid`, { method: 'POST', headers: { Origin: 'https://elsewhere.example' }, from: '127.0.0.40' })
    expect(foreign.status).toBe(403)
    expect(foreign.headers['access-control-allow-origin']).toBeUndefined()
    // The read-only API answers any origin.
    const status = await http(`${infra.httpUrl}/preload`, { headers: { Origin: 'https://elsewhere.example' }, from: '127.0.0.40' })
    expect(status.headers['access-control-allow-origin']).toBe('*')
  })
})

describe('preload, with a ceiling on everything held', () => {
  let infra: Awaited<ReturnType<typeof startTestInfra>>
  let peer: ContentPeer
  const flags = ['--preload-max-bytes', '1MiB', '--preload-max-held-bytes', '1MiB']

  beforeAll(async () => {
    infra = await startTestInfra(flags, [APP_ORIGIN])
    peer = await startContentPeer({ dial: webSocketAddr(infra), files: { first: 512 * KiB, second: 768 * KiB } })
  }, 120_000)

  afterAll(async () => {
    await peer?.stop()
    await infra?.dispose()
  })

  it('refuses what would pass --preload-max-held-bytes, and keeps what it holds across a restart', async () => {
    expect((await preload(infra.httpUrl, peer.roots.first)).status).toBe(200)
    const answer = await preload(infra.httpUrl, peer.roots.second)
    const why = answer.status === 200 ? refLines(answer.body).at(-1)?.Err : JSON.parse(answer.body).Message
    if (answer.status !== 200) expect(answer.status).toBe(507)
    expect(why).toContain('--preload-max-held-bytes')
    expect((await http(`${infra.httpUrl}/preload/${peer.roots.second}`)).status).toBe(404)
    const kept = JSON.parse((await http(`${infra.httpUrl}/preload/${peer.roots.first}`)).body)
    expect(await blockFiles(infra.dataDir)).toHaveLength(kept.blocks)

    // The retention is on disk: a restart keeps the root until the same expiry.
    await infra.stop()
    const restarted = await startInfraProcess({ dataDir: infra.dataDir, flags, readyTimeoutMs: 60_000 })
    try {
      expect(JSON.parse((await http(`${restarted.httpUrl}/preload/${peer.roots.first}`)).body)).toEqual(kept)
      expect((await http(`${restarted.httpUrl}/ipfs/${peer.roots.first}?format=raw`)).status).toBe(200)
      expect(await blockFiles(infra.dataDir)).toHaveLength(kept.blocks)
    } finally {
      await restarted.stop()
    }
  }, 120_000)
})
