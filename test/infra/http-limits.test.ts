/**
 * The limits every HTTP endpoint of the infra node shares, under attack,
 * against the real process: oversize headers and bodies, a request that
 * never finishes arriving (slow loris), one address asking without pause,
 * and more connections than the node takes.
 */
import { connect, type Socket } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_HTTP_BODY_LIMIT, DEFAULT_HTTP_MAX_HEADER_BYTES, DEFAULT_HTTP_RATE_LIMIT, DEFAULT_HTTP_REQUEST_TIMEOUT_MS } from '../../src/infra/options.ts'
import { http, startTestInfra, waitFor } from './helpers.ts'

/** A cheap route that answers 200: the providers of a CID nobody has. */
const PROVIDERS = '/routing/v1/providers/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

/** A raw connection to the node, collecting what it answers. */
async function openSocket (httpUrl: string, from?: string): Promise<{ socket: Socket, received: () => string, closed: Promise<void> }> {
  const url = new URL(httpUrl)
  const socket = connect({ host: url.hostname, port: Number(url.port), localAddress: from })
  let received = ''
  socket.on('data', chunk => { received += String(chunk) })
  const closed = new Promise<void>(resolve => { socket.once('close', () => { resolve() }) })
  socket.on('error', () => {})
  await new Promise<void>((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject) })
  return { socket, received: () => received, closed }
}

describe('HTTP limits, at their defaults', () => {
  let infra: Awaited<ReturnType<typeof startTestInfra>>
  beforeAll(async () => { infra = await startTestInfra() }, 120_000)
  afterAll(async () => { await infra?.dispose() })

  it(`answers 431 to headers over ${DEFAULT_HTTP_MAX_HEADER_BYTES} bytes (Node.js alone would take 16 KiB)`, async () => {
    const oversize = await http(`${infra.httpUrl}${PROVIDERS}`, { headers: { 'X-Filler': 'a'.repeat(12 * 1024) } })
    expect(oversize.status).toBe(431)
    expect((await http(`${infra.httpUrl}${PROVIDERS}`, { headers: { 'X-Filler': 'a'.repeat(1024) } })).status).toBe(200)
  })

  it(`answers 413 to a body over ${DEFAULT_HTTP_BODY_LIMIT} bytes on any route`, async () => {
    const body = JSON.stringify({ filler: 'a'.repeat(DEFAULT_HTTP_BODY_LIMIT + 1024) })
    const oversize = await http(`${infra.httpUrl}/api/v0/refs?r=true&arg=not-a-cid`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body })
    expect(oversize.status).toBe(413)
  })

  it(`times out a request whose headers trickle in (slow loris) with 408 after ${DEFAULT_HTTP_REQUEST_TIMEOUT_MS / 1000} s`, async () => {
    const { socket, received, closed } = await openSocket(infra.httpUrl)
    socket.write(`GET ${PROVIDERS} HTTP/1.1\r\nHost: 127.0.0.1\r\n`)
    // One more header line every half second, for far longer than the timeout: without one the node would wait.
    let lines = 0
    const drip = setInterval(() => { if (!socket.destroyed) socket.write(`X-Drip-${lines++}: still here\r\n`) }, 500)
    try {
      await Promise.race([closed, waitFor(() => socket.destroyed || received() !== '', 'the node to answer the slow request', 50_000)])
      await waitFor(() => socket.destroyed || received().includes('\r\n\r\n'), 'the whole answer', 10_000)
    } finally {
      clearInterval(drip)
      socket.destroy()
    }
    expect(received()).toMatch(/^HTTP\/1\.1 408 /)
    // Meanwhile the node kept serving everyone else.
    expect((await http(`${infra.httpUrl}${PROVIDERS}`)).status).toBe(200)
  }, 90_000)

  it(`answers 429, with Retry-After, to one address beyond ${DEFAULT_HTTP_RATE_LIMIT} requests a minute, and not to another`, async () => {
    const from = '127.0.0.60'
    let allowed = 0
    let first429: Awaited<ReturnType<typeof http>> | undefined
    // Ten at a time; stops at the first refusal.
    while (first429 == null && allowed <= DEFAULT_HTTP_RATE_LIMIT) {
      const answers = await Promise.all(Array.from({ length: 10 }, async () => await http(`${infra.httpUrl}/routing/v1/providers/not-a-cid`, { from })))
      allowed += answers.filter(answer => answer.status !== 429).length
      first429 = answers.find(answer => answer.status === 429)
    }
    expect(allowed).toBe(DEFAULT_HTTP_RATE_LIMIT)
    expect(first429?.headers['retry-after']).toMatch(/^\d+$/)
    // Unknown URLs are counted as well.
    expect((await http(`${infra.httpUrl}/no/such/route`, { from })).status).toBe(429)
    expect((await http(`${infra.httpUrl}/routing/v1/providers/not-a-cid`, { from: '127.0.0.61' })).status).not.toBe(429)
  }, 120_000)
})

describe('HTTP limits, set by flags', () => {
  let infra: Awaited<ReturnType<typeof startTestInfra>>
  beforeAll(async () => { infra = await startTestInfra(['--http-max-connections', '3', '--rate-limit', '3', '--trust-proxy', '127.0.0.70']) }, 120_000)
  afterAll(async () => { await infra?.dispose() })

  it('closes connections beyond --http-max-connections on arrival', async () => {
    const open = await Promise.all([openSocket(infra.httpUrl), openSocket(infra.httpUrl), openSocket(infra.httpUrl)])
    try {
      const extra = await openSocket(infra.httpUrl)
      extra.socket.write(`GET ${PROVIDERS} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`)
      await extra.closed
      expect(extra.received()).toBe('')
    } finally {
      for (const { socket } of open) socket.destroy()
    }
    await waitFor(async () => await http(`${infra.httpUrl}${PROVIDERS}`, { from: '127.0.0.71' }).then(answer => answer.status === 200, () => false), 'a connection to be taken again')
  }, 60_000)

  it('counts the clients a trusted proxy names in X-Forwarded-For apart, and ignores the header from others', async () => {
    const via = async (forwardedFor: string, from: string): Promise<number> => (await http(`${infra.httpUrl}/routing/v1/providers/not-a-cid`, { from, headers: { 'X-Forwarded-For': forwardedFor } })).status
    for (let i = 0; i < 3; i++) expect(await via('203.0.113.1', '127.0.0.70')).not.toBe(429)
    expect(await via('203.0.113.1', '127.0.0.70')).toBe(429)
    expect(await via('203.0.113.2', '127.0.0.70')).not.toBe(429)
    // From an address that is no trusted proxy, the header names nobody: the limit is the sender's.
    for (let i = 0; i < 3; i++) expect(await via(`203.0.113.${10 + i}`, '127.0.0.72')).not.toBe(429)
    expect(await via('203.0.113.20', '127.0.0.72')).toBe(429)
  })
})
