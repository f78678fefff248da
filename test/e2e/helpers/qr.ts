/** Reads QR codes out of screenshots with ZXing (zxing-wasm), its WebAssembly loaded from node_modules rather than a CDN. */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { prepareZXingModule, readBarcodes } from 'zxing-wasm/reader'

const require = createRequire(import.meta.url)
let prepared: Promise<unknown> | undefined

/** The texts of every QR code ZXing finds in a PNG image. */
export async function readQrCodes (png: Uint8Array): Promise<string[]> {
  prepared ??= readFile(require.resolve('zxing-wasm/reader/zxing_reader.wasm'))
    .then(async wasm => await prepareZXingModule({ overrides: { wasmBinary: wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength) }, fireImmediately: true }))
  await prepared
  const results = await readBarcodes(new Uint8Array(png), { formats: ['QRCode'], tryHarder: false })
  return results.filter(result => result.isValid).map(result => result.text)
}
