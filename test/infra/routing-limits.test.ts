/**
 * The delegated routing API's IPNS PUT under attack, against the real
 * process: oversize bodies, more names than the node keeps, records past
 * their time, and one address publishing without pause.
 */
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createIPNSRecord, marshalIPNSRecord } from 'ipns'
import { base36 } from 'multiformats/bases/base36'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_IPNS_RATE_LIMIT } from '../../src/infra/options.ts'
import { http, startTestInfra } from './helpers.ts'

const RECORD = 'application/vnd.ipfs.ipns-record'
const TARGET = '/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

/** A new name and a signed record for it, valid for `lifetimeMs`. */
async function signedName (lifetimeMs = 60 * 60 * 1000): Promise<{ name: string, record: Uint8Array }> {
  const key = await generateKeyPair('Ed25519')
  const name = peerIdFromPrivateKey(key).toCID().toString(base36)
  return { name, record: marshalIPNSRecord(await createIPNSRecord(key, TARGET, 1n, lifetimeMs)) }
}

async function publish (httpUrl: string, name: string, body: Uint8Array | string, options: { from?: string, chunked?: boolean } = {}): Promise<Awaited<ReturnType<typeof http>>> {
  return await http(`${httpUrl}/routing/v1/ipns/${name}`, { method: 'PUT', headers: { 'Content-Type': RECORD }, body, ...options })
}

async function resolve (httpUrl: string, name: string): Promise<Awaited<ReturnType<typeof http>>> {
  return await http(`${httpUrl}/routing/v1/ipns/${name}`, { headers: { Accept: RECORD } })
}

/** The routing API answers an unknown name 200 with this text (IPIP-0513). */
const NOT_FOUND = 'Record not found'

describe('IPNS publishing, with the default limits', () => {
  let infra: Awaited<ReturnType<typeof startTestInfra>>
  beforeAll(async () => { infra = await startTestInfra() }, 120_000)
  afterAll(async () => { await infra?.dispose() })

  it('answers 413 to an 11 KiB record body, with or without a Content-Length, and stays up', async () => {
    const { name } = await signedName()
    const tooBig = new Uint8Array(11 * 1024).fill(7)
    const declared = await publish(infra.httpUrl, name, tooBig)
    expect(declared.status).toBe(413)
    const streamed = await publish(infra.httpUrl, name, tooBig, { chunked: true })
    expect(streamed.status).toBe(413)
    // Still serving, and a record of the right size is taken.
    const valid = await signedName()
    expect((await publish(infra.httpUrl, valid.name, valid.record)).status).toBe(200)
    expect((await resolve(infra.httpUrl, valid.name)).headers['content-type']).toBe(RECORD)
  })

  it('drops a record whose validity ended', async () => {
    const { name, record } = await signedName(3000)
    expect((await publish(infra.httpUrl, name, record)).status).toBe(200)
    const fresh = await resolve(infra.httpUrl, name)
    expect(fresh.headers['content-type']).toBe(RECORD)
    await waitForDrop(infra.httpUrl, name)
  }, 60_000)

  it(`answers 429 to the IPNS PUTs of one address beyond ${DEFAULT_IPNS_RATE_LIMIT} a minute, and no other`, async () => {
    const from = '127.0.0.50'
    const statuses: number[] = []
    for (let i = 0; i <= DEFAULT_IPNS_RATE_LIMIT; i++) statuses.push((await publish(infra.httpUrl, 'not-a-name', 'x', { from })).status)
    expect(statuses.slice(0, DEFAULT_IPNS_RATE_LIMIT).every(status => status === 422)).toBe(true)
    expect(statuses.at(-1)).toBe(429)
    // The same address may still read, and another may publish.
    expect((await http(`${infra.httpUrl}/routing/v1/ipns/not-a-name`, { from })).status).toBe(422)
    expect((await publish(infra.httpUrl, 'not-a-name', 'x', { from: '127.0.0.51' })).status).toBe(422)
  }, 60_000)
})

/** Waits until the node no longer hands out the name's record. */
async function waitForDrop (httpUrl: string, name: string): Promise<void> {
  const deadline = Date.now() + 50_000
  for (;;) {
    const answer = await resolve(httpUrl, name)
    if (answer.body === NOT_FOUND) return
    if (Date.now() > deadline) throw new Error(`the record of ${name} was still handed out: ${answer.status} ${answer.headers['content-type']}`)
    await new Promise(resolve => setTimeout(resolve, 250))
  }
}

describe('IPNS publishing, with room for three names', () => {
  let infra: Awaited<ReturnType<typeof startTestInfra>>
  beforeAll(async () => { infra = await startTestInfra(['--ipns-max-names', '3']) }, 120_000)
  afterAll(async () => { await infra?.dispose() })

  it('refuses a fourth name with 507, still takes new records of the names it has', async () => {
    const names = await Promise.all([signedName(), signedName(), signedName()])
    for (const { name, record } of names) expect((await publish(infra.httpUrl, name, record)).status).toBe(200)
    const fourth = await signedName()
    const refused = await publish(infra.httpUrl, fourth.name, fourth.record)
    expect(refused.status).toBe(507)
    expect(JSON.parse(refused.body).message).toContain('--ipns-max-names')
    expect((await resolve(infra.httpUrl, fourth.name)).body).toBe(NOT_FOUND)
    // Republishing a kept name is no new name.
    expect((await publish(infra.httpUrl, names[0].name, names[0].record)).status).toBe(200)
  })
})

describe('IPNS publishing, with a short maximum age', () => {
  let infra: Awaited<ReturnType<typeof startTestInfra>>
  beforeAll(async () => { infra = await startTestInfra(['--ipns-max-age', '3s', '--ipns-max-names', '1']) }, 120_000)
  afterAll(async () => { await infra?.dispose() })

  it('drops a name not republished within --ipns-max-age, which frees its place', async () => {
    const first = await signedName()
    expect((await publish(infra.httpUrl, first.name, first.record)).status).toBe(200)
    const second = await signedName()
    expect((await publish(infra.httpUrl, second.name, second.record)).status).toBe(507)
    await waitForDrop(infra.httpUrl, first.name)
    expect((await publish(infra.httpUrl, second.name, second.record)).status).toBe(200)
  }, 60_000)
})
