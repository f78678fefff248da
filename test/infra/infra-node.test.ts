/**
 * The infra node as a process, over its real HTTP API and CLI.
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { Agent } from 'node:http'
import { connect as tlsConnect } from 'node:tls'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deploymentFor, startInfraProcess } from '../../scripts/infra-process.js'
import { node22 } from '../../scripts/node22-process.js'
import { selfSignedCertificate } from '../../scripts/self-signed.js'
import { http, waitFor } from './helpers.ts'

const APP_ORIGIN = 'http://app.localhost:1234'
const MISSING = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
let dataDir: string
let infra: Awaited<ReturnType<typeof startInfraProcess>>

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'pollen-infra-test-'))
  infra = await startInfraProcess({ dataDir, allowedOrigins: [APP_ORIGIN] })
}, 60_000)

afterAll(async () => {
  await infra?.stop()
  await rm(dataDir, { recursive: true, force: true })
})

describe('the infra node', () => {
  it('announces WebSocket and WebRTC-direct multiaddrs with its peer ID, and an HTTP URL', () => {
    expect(infra.peerId).toMatch(/^12D3KooW/)
    const webSocket = infra.multiaddrs.filter((a: string) => a.includes('/ws/p2p/' + infra.peerId))
    const webRtcDirect = infra.multiaddrs.filter((a: string) => /\/udp\/\d+\/webrtc-direct\/certhash\/[\w-]+\/p2p\//.test(a) && a.endsWith(infra.peerId))
    expect(webSocket).toHaveLength(1)
    expect(webRtcDirect).toHaveLength(1)
    expect(infra.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    // Browsers bootstrap over WebSockets unless told otherwise: WebRTC-direct costs a page's peer connection.
    expect(deploymentFor(infra).defaults.bootstrap).toEqual(webSocket)
    expect(deploymentFor(infra, { bootstrapOver: 'webrtc-direct' }).defaults.bootstrap).toEqual(webRtcDirect)
  })

  it('keeps its identity across restarts of the same data directory', async () => {
    const again = await startInfraProcess({ dataDir: await mkdtemp(join(tmpdir(), 'pollen-infra-id-')) })
    const other = again.peerId
    await again.stop()
    expect(other).not.toBe(infra.peerId)
    const first = infra.peerId
    await infra.stop()
    const certhash = (addrs: string[]): string | undefined => addrs.map(a => /\/certhash\/([\w-]+)/.exec(a)?.[1]).find(Boolean)
    const firstCerthash = certhash(infra.multiaddrs)
    infra = await startInfraProcess({ dataDir, allowedOrigins: [APP_ORIGIN] })
    expect(infra.peerId).toBe(first)
    // The WebRTC-direct certificate too, so addresses given out stay dialable.
    expect(certhash(infra.multiaddrs)).toBe(firstCerthash)
  }, 60_000)

  it('answers delegated routing for a CID nobody has with an empty list, with CORS for any origin', async () => {
    const response = await fetch(`${infra.httpUrl}/routing/v1/providers/${MISSING}`, { headers: { Origin: APP_ORIGIN } })
    expect(response.status).toBe(200)
    expect(response.headers.get('access-control-allow-origin')).toBe('*')
    expect(await response.json()).toEqual({ Providers: [] })
  })

  it('serves as a trustless gateway only raw blocks and CARs it has', async () => {
    expect((await fetch(`${infra.httpUrl}/ipfs/${MISSING}`)).status).toBe(406)
    expect((await fetch(`${infra.httpUrl}/ipfs/${MISSING}?format=raw`)).status).toBe(404)
    expect((await fetch(`${infra.httpUrl}/ipfs/${MISSING}`, { headers: { Accept: 'application/vnd.ipld.car' } })).status).toBe(404)
    expect((await fetch(`${infra.httpUrl}/ipfs/not-a-cid?format=raw`)).status).toBe(400)
  })

  it('refuses preload calls from origins it was not told about, and malformed CIDs', async () => {
    const foreign = await fetch(`${infra.httpUrl}/api/v0/refs?r=true&arg=${MISSING}`, { method: 'POST', headers: { Origin: 'https://evil.example' } })
    expect(foreign.status).toBe(403)
    const malformed = await fetch(`${infra.httpUrl}/api/v0/refs?r=true&arg=nope`, { method: 'POST', headers: { Origin: APP_ORIGIN } })
    expect(malformed.status).toBe(400)
  })

  it('shuts down gracefully on SIGTERM', async () => {
    const lines: string[] = []
    const node = await startInfraProcess({ dataDir: await mkdtemp(join(tmpdir(), 'pollen-infra-stop-')), log: (line: string) => { lines.push(line) } })
    await node.stop()
    expect(await node.exited).toBe(0)
    expect(lines.some(line => line.includes('"event":"stopping"'))).toBe(true)
  }, 60_000)

  // A preload may walk for minutes, and its connection is kept alive (72 s) once answered. Without the
  // walk's abort the answer is a 504 after its idle timeout; without ending that connection the stop
  // outlasts this test's timeout.
  it('stops at once with a preload under way: the walk ends saying why, and its connection does not hold the stop', async () => {
    const stopDir = await mkdtemp(join(tmpdir(), 'pollen-infra-stop-'))
    const node = await startInfraProcess({ dataDir: stopDir, allowedOrigins: [APP_ORIGIN] })
    const agent = new Agent({ keepAlive: true })
    try {
      const answer = http(`${node.httpUrl}/api/v0/refs?r=true&arg=${MISSING}`, { method: 'POST', headers: { Origin: APP_ORIGIN }, agent })
      await waitFor(async () => (await (await fetch(`${node.httpUrl}/preload`)).json()).walks === 1, 'the walk to begin')
      const stopped = node.stop()
      const { status, body } = await answer
      expect(status).toBe(503)
      expect(JSON.parse(body).Message).toContain('this node is stopping')
      await stopped
      expect(await node.exited).toBe(0)
    } finally {
      agent.destroy()
      await rm(stopDir, { recursive: true, force: true })
    }
  }, 45_000)
})

// Each test starts Node 22 (seconds on a busy 2-core machine): timeouts fit that, not an idle one.
describe('the infra CLI', () => {
  it('prints its options with --help', async () => {
    const { stdout } = await promisify(execFile)(node22(), ['src/infra/cli.ts', '--help'])
    expect(stdout).toContain('--relay-max-reservations')
    expect(stdout).toContain('--allow-origin')
    // Every limit, with its default, and the CORS policy.
    for (const flag of ['--http-max-header-bytes', '--http-body-limit', '--http-request-timeout', '--http-idle-timeout', '--http-max-connections', '--rate-limit', '--trust-proxy',
      '--preload-max-bytes', '--preload-max-held-bytes', '--preload-ttl', '--preload-max-walks', '--preload-max-walks-per-ip', '--preload-rate-limit', '--preload-timeout', '--preload-idle-timeout',
      '--ipns-max-names', '--ipns-max-age', '--ipns-rate-limit']) expect(stdout).toContain(flag)
    expect(stdout).toContain('(default 1h)')
    expect(stdout).toMatch(/CORS: [^]*Access-Control-Allow-Origin: \*/)
    expect(stdout).toContain('GET /preload')
  }, 60_000)

  it('refuses a malformed option with a message', async () => {
    await expect(promisify(execFile)(node22(), ['src/infra/cli.ts', '--ws-port', 'many'])).rejects.toMatchObject({ stderr: expect.stringContaining('--ws-port must be a whole number') })
    await expect(promisify(execFile)(node22(), ['src/infra/cli.ts', '--tls-cert', 'cert.pem'])).rejects.toMatchObject({ stderr: expect.stringContaining('--tls-cert and --tls-key go together') })
    await expect(promisify(execFile)(node22(), ['src/infra/cli.ts', '--http-request-timeout', 'soon'])).rejects.toMatchObject({ stderr: expect.stringContaining('--http-request-timeout must be a duration like 1500, 90s, 10m or 1h') })
    await expect(promisify(execFile)(node22(), ['src/infra/cli.ts', '--http-body-limit', '2TB'])).rejects.toMatchObject({ stderr: expect.stringContaining('--http-body-limit must be a number of bytes') })
    await expect(promisify(execFile)(node22(), ['src/infra/cli.ts', '--rate-limit', '0'])).rejects.toMatchObject({ stderr: expect.stringContaining('--rate-limit must be above zero') })
    await expect(promisify(execFile)(node22(), ['src/infra/cli.ts', '--preload-max-bytes', '1GiB', '--preload-max-held-bytes', '512MiB'])).rejects.toMatchObject({ stderr: expect.stringContaining('--preload-max-held-bytes (536870912) must be at least --preload-max-bytes (1073741824)') })
  }, 60_000)

  it('with a certificate also listens on secure WebSockets, serving that certificate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pollen-infra-tls-'))
    const certificate = await selfSignedCertificate(dir)
    const secure = await startInfraProcess({ dataDir: dir, tls: { ...certificate, wssPort: 0 } })
    try {
      const wss = secure.multiaddrs.find((a: string) => a.includes('/tls/ws/p2p/'))
      expect(wss).toBeDefined()
      expect(deploymentFor(secure).defaults.bootstrap).toEqual([wss])
      const port = Number(/\/tcp\/(\d+)\/tls/.exec(wss!)![1])
      const served = await new Promise<string>((resolve, reject) => {
        const socket = tlsConnect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
          resolve(socket.getPeerX509Certificate()!.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'))
          socket.end()
        })
        socket.on('error', reject)
      })
      expect(createHash('sha256').update(Buffer.from(served, 'base64')).digest('base64')).toBe(certificate.spki)
    } finally {
      await secure.stop()
    }
  }, 60_000)
})
