import { expectedFileCid, pseudoRandomBytes, sha256, writeTempFile } from './helpers/content.ts'
import { downloadDigest, openApp, waitForImport } from './helpers/app.ts'
import { SharedWorkerProbe } from './helpers/shared-worker.ts'
import { expect, test } from './fixtures.ts'

const SIZE = 64 * 1024 * 1024

test('a 64 MiB file gets the CID of ipfs-unixfs-importer, reads back identical, and the node heap grows less than 64 MiB', async ({ page, browser, appUrl }) => {
  const bytes = pseudoRandomBytes(SIZE, 64)
  const [expectedCid, path] = await Promise.all([expectedFileCid(bytes), writeTempFile('random-64MiB.bin', bytes)])
  const digest = sha256(bytes)

  await openApp(page, appUrl)
  // Memory is read from the node's SharedWorker through CDP (Runtime.getHeapUsage
  // on the worker target): V8's used heap plus ArrayBuffer backing storage,
  // sampled after a forced garbage collection; growth = peak - baseline.
  const probe = await SharedWorkerProbe.attach(browser, page)
  const sampling = await probe.sampleMemory()

  await page.getByTestId('file-input').setInputFiles(path)
  const cid = await waitForImport(page, 'random-64MiB.bin')
  const { baseline, peak } = await sampling.stop()
  await probe.detach()

  expect(cid).toBe(expectedCid)
  const growth = peak - baseline
  console.log(`node memory: baseline ${(baseline / 1048576).toFixed(1)} MiB, growth during import ${(growth / 1048576).toFixed(1)} MiB`)
  expect(growth).toBeLessThan(SIZE)
  expect(await downloadDigest(page, `/ipfs/${cid}`)).toBe(digest)
})
