/**
 * The trustless gateway over libp2p against Kubo with
 * `Experimental.GatewayOverLibp2p` on: the browser takes a DAG Kubo added
 * as one CAR stream from it, and Pollen's server (src/node/car-server.ts,
 * in a Node.js peer, test/peers/car-peer.ts) answers the same requests for
 * the same content with the same blocks as Kubo's.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { downloadShownDigest, openApp } from '../e2e/helpers/app.ts'
import { openShared } from '../e2e/helpers/share.ts'
import { pseudoRandomBytes, sha256, tempDir } from '../e2e/helpers/content.ts'
import { startCarPeer, type CarPeer, type HttpAnswer } from '../infra/car-peers.ts'
import { expect, test } from '../e2e/fixtures.ts'
import { startKubo, type Kubo } from '../../scripts/kubo.js'

const MiB = 1024 * 1024
let kubo: Kubo
test.beforeAll(async ({ appUrl }) => { kubo = await startKubo(new URL(appUrl).origin, { gatewayOverLibp2p: true }) })
test.afterAll(async () => { await kubo?.stop() })

test('the browser takes 10 MiB Kubo added as one CAR stream from Kubo\'s trustless gateway over libp2p, identical', async ({ browser, appUrl }) => {
  const bytes = pseudoRandomBytes(10 * MiB, 901)
  const cid = (await kubo.ipfs(['add', '-Q'], bytes)).toString().trim()
  const context = await browser.newContext()
  const page = await context.newPage()
  await openApp(page, appUrl)
  const sources = await openShared(page, `${appUrl}#/open?cid=${cid}&name=kubo.bin&addr=${encodeURIComponent(kubo.addrs.ws)}`)
  const fromKubo = sources('sharer')
  await expect(fromKubo).toContainText(kubo.peerId.slice(-6))
  // Ten leaves and the root, all in Kubo's CAR stream.
  await expect(fromKubo).toHaveAttribute('data-car-blocks', '11')
  await expect(fromKubo).toContainText('Served 10.0 MiB (11 blocks, 100 % of what came)')
  await expect(fromKubo.getByTestId('fetch-source-car')).toHaveText('All of it came as CAR streams over HTTP.')
  expect(await downloadShownDigest(page)).toBe(sha256(bytes))
  await context.close()
})

test('Pollen\'s server answers trustless requests with the blocks Kubo\'s answers hold', async () => {
  test.setTimeout(180_000)
  const file = pseudoRandomBytes(3 * MiB + 5, 902)
  const inner = pseudoRandomBytes(2 * MiB + 17, 903)
  const dir = join(await tempDir(), 'album')
  await mkdir(join(dir, 'sub'), { recursive: true })
  await writeFile(join(dir, 'a.txt'), 'first\n')
  await writeFile(join(dir, 'sub', 'b.bin'), inner)
  const fileCid = (await kubo.ipfs(['add', '-Q'], file)).toString().trim()
  const dirCid = (await kubo.ipfs(['add', '-Q', '-r', dir])).toString().trim()

  let pollen: CarPeer | undefined
  let client: CarPeer | undefined
  try {
    [pollen, client] = await Promise.all([startCarPeer(), startCarPeer()])
    expect((await pollen.call('add', { files: [{ path: 'f', base64: file.toString('base64') }] })).cid).toBe(fileCid)
    expect((await pollen.call('add', {
      files: [{ path: 'album/a.txt', base64: Buffer.from('first\n').toString('base64') }, { path: 'album/sub/b.bin', base64: inner.toString('base64') }]
    })).cid).toBe(dirCid)

    const paths = [
      `/ipfs/${fileCid}?format=car`,
      `/ipfs/${fileCid}?format=car&dag-scope=block`,
      `/ipfs/${fileCid}?format=car&dag-scope=entity`,
      `/ipfs/${fileCid}?format=car&dag-scope=entity&entity-bytes=1048576:1048577`,
      `/ipfs/${fileCid}?format=car&dag-scope=entity&entity-bytes=-5:*`,
      `/ipfs/${fileCid}?format=car&dag-scope=entity&entity-bytes=100:-3145000`,
      `/ipfs/${dirCid}?format=car`,
      `/ipfs/${dirCid}?format=car&dag-scope=entity`,
      `/ipfs/${dirCid}/sub/b.bin?format=car`,
      `/ipfs/${dirCid}/sub/b.bin?format=car&dag-scope=block`,
      `/ipfs/${fileCid}?format=raw`,
      '/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy?format=raw'
    ]
    const answers = async (addr: string): Promise<Array<Pick<HttpAnswer, 'status' | 'cids' | 'roots' | 'base64'> & { type?: string }>> => {
      await client!.call('dial', { addr })
      const list = []
      for (const path of paths) {
        const { status, cids, roots, base64, headers } = await client!.call<HttpAnswer>('request', { path })
        list.push({ status, cids, roots, type: headers['content-type'], base64: status === 200 ? base64 : undefined })
      }
      return list
    }
    const fromKubo = await answers(kubo.addrs.ws)
    const fromPollen = await answers(pollen.multiaddrs[0])
    for (const [i, path] of paths.entries()) expect(fromPollen[i], path).toEqual(fromKubo[i])
    // Both name the gateway at / in the well-known list.
    for (const addr of [kubo.addrs.ws, pollen.multiaddrs[0]]) {
      await client.call('dial', { addr })
      expect(JSON.parse((await client.call<HttpAnswer>('request', { path: '/.well-known/libp2p/protocols' })).text!)).toEqual({ '/ipfs/gateway': { path: '/' } })
    }
  } finally {
    await Promise.all([pollen?.stop(), client?.stop()])
  }
})
