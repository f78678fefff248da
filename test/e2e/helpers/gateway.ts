/** Content for the gateway specs, and what the static server saw of it. */
import { execFile } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import { mkdir, rename, stat, writeFile } from 'node:fs/promises'
import type { Page } from '@playwright/test'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { deflateSync } from 'node:zlib'
import { startNetwork, type LocalNetwork } from './network.ts'
import { tempDir } from './content.ts'
import { waitForImport } from './app.ts'

const execFileAsync = promisify(execFile)

export interface ServerRequest { host: string, path: string, navigation: boolean }

/** A local network whose app server records every request it gets. */
export async function startRecordedNetwork (options: Parameters<typeof startNetwork>[0] = {}): Promise<LocalNetwork & { requests: ServerRequest[] }> {
  const requests: ServerRequest[] = []
  const network = await startNetwork({ ...options, onAppRequest: request => { requests.push(request) } })
  return Object.assign(network, { requests })
}

/** A 2×2 PNG, made here so the test needs no binary fixture. */
function tinyPng (): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (bytes: Buffer): number => {
    let c = 0xffffffff
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(4)
    head.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const tail = Buffer.alloc(4)
    tail.writeUInt32BE(crc(body))
    return Buffer.concat([head, body, tail])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(2, 0)
  header.writeUInt32BE(2, 4)
  header[8] = 8 // bit depth
  header[9] = 2 // truecolour
  const rows = Buffer.from([0, 255, 0, 0, 0, 255, 0, 0, 0, 0, 255, 255, 255, 0])
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0))
  ])
}

/**
 * Content-side JavaScript (for a site's script): `bridgePort()` embeds the app
 * origin's bridge, as Pollen's boot document does, and resolves to the port it
 * hands over. `appOrigin` must be defined before it.
 */
export const BRIDGE_PORT_JS = `async function bridgePort () {
  const frame = document.createElement('iframe')
  frame.hidden = true
  frame.src = appOrigin + '/bridge.html'
  const port = new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error('no port from the bridge')), 15000)
    addEventListener('message', event => { if (event.origin === appOrigin && event.ports[0]) resolve(event.ports[0]) })
  })
  document.body.append(frame)
  return await port
}`

/**
 * A static site whose script reports, in #report as JSON, what it could do:
 * read its own subresources, reach the app origin's storage, and call the
 * node's control methods through the bridge.
 */
export const STATIC_SITE: Record<string, string | Buffer> = {
  'index.html': `<!doctype html>
<html><head><meta charset="utf-8"><title>Static site on IPFS</title>
<link rel="stylesheet" href="css/style.css"></head>
<body><h1 id="title">Hello from IPFS</h1>
<img id="logo" src="img/logo.png" alt="logo"> <a href="sub/page.html">sub page</a>
<pre id="report"></pre>
<script src="js/app.js"></script></body></html>`,
  'css/style.css': '#title { color: rgb(200, 30, 40); }\n',
  'img/logo.png': tinyPng(),
  'sub/page.html': '<!doctype html><title>Sub page</title><p id="sub">a page in a subfolder</p>',
  'js/app.js': `
// Untrusted content: everything it tries is reported, nothing is assumed.
const appOrigin = location.origin.replace(/\\/\\/[^.]+\\.ipfs\\./, '//')
function call (port, method, args) {
  return new Promise(resolve => {
    const id = Math.floor(Math.random() * 1e9)
    const timer = setTimeout(() => resolve({ outcome: 'no answer' }), 8000)
    port.addEventListener('message', event => {
      if (event.data.id !== id || event.data.kind === 'progress') return
      clearTimeout(timer)
      resolve(event.data.kind === 'error' ? { outcome: 'refused', error: event.data.error.message } : { outcome: 'answered', value: event.data.value })
    })
    port.start()
    port.postMessage({ kind: 'call', id, method, args })
  })
}
${BRIDGE_PORT_JS}
async function appStorage () {
  const frame = document.createElement('iframe')
  frame.hidden = true
  frame.src = appOrigin + '/'
  document.body.append(frame)
  await new Promise(resolve => frame.addEventListener('load', resolve, { once: true }))
  try {
    return { outcome: 'read', value: frame.contentWindow.localStorage.length }
  } catch (err) {
    return { outcome: 'refused', error: err.name }
  } finally {
    frame.remove()
  }
}
async function main () {
  const report = { origin: location.origin, scriptRan: true }
  report.ownDatabases = (await indexedDB.databases()).map(db => db.name)
  report.appStorage = await appStorage()
  try {
    const port = await bridgePort()
    report.filesList = await call(port, 'files.list')
    report.configSet = await call(port, 'config.set', { bootstrap: [] })
    report.keysViaProto = await call(port, 'toString')
    report.read = await call(port, 'gateway.fetch', { namespace: 'ipfs', root: location.hostname.split('.')[0], path: '/css/style.css', search: '', method: 'GET', headers: [], base: '' })
    if (report.read.value) report.read = { outcome: 'answered', status: report.read.value.status }
    // Another root through the same port: what else this browser keeps is not this page's business.
    const other = await call(port, 'gateway.fetch', { namespace: 'ipfs', root: 'bafkqaaa', path: '/', search: '', method: 'GET', headers: [], base: '' })
    report.otherRoot = other.value ? { outcome: 'answered', status: other.value.status } : other
  } catch (err) {
    report.bridge = String(err)
  }
  document.getElementById('report').textContent = JSON.stringify(report)
}
main()
`
}

/** Adds `files` as a folder named `name` in the app open in `page`; returns its CID. */
export async function addSite (page: Page, name: string, files: Record<string, string | Buffer>): Promise<string> {
  await page.getByTestId('folder-input').setInputFiles(await writeSite(name, files))
  return await waitForImport(page, name)
}

/** Writes `files` under a new folder named `name` and returns its path. */
export async function writeSite (name: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = join(await tempDir(), name)
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), content)
  }
  return dir
}

/** The top-level documents a page loaded, in order (redirects not counted). */
export function recordNavigations (page: Page): string[] {
  const urls: string[] = []
  page.on('framenavigated', frame => { if (frame === page.mainFrame()) urls.push(frame.url()) })
  return urls
}

/** Where made-once test media live between runs (inside node_modules, so a clean clone starts empty). */
const MEDIA_CACHE = fileURLToPath(new URL('../../../node_modules/.cache/pollen-test/', import.meta.url))

/**
 * A 60 s 360p H.264 MP4 of just over 50 MiB (constant 7 Mbit/s of noisy test
 * pattern), moov atom first, made with ffmpeg (scripts/ensure-packages.js
 * installs it) once and kept. 360p, not 720p: the same bytes in a twentieth
 * of the encoding time (seconds, not a minute and a half, on a clean clone).
 */
export async function testVideo (): Promise<string> {
  // The file name is what the test sees in the import list; the folder tells the 360p make from an older one.
  const path = join(MEDIA_CACHE, '360p', 'test-50mib.mp4')
  if ((await stat(path).catch(() => null))?.isFile() === true) return path
  await mkdir(dirname(path), { recursive: true })
  const partial = `${path}.partial`
  await execFileAsync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y',
    '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30,noise=alls=60:allf=t', '-t', '60',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-b:v', '7M', '-minrate', '7M', '-maxrate', '7M', '-bufsize', '2M',
    '-x264-params', 'nal-hrd=cbr', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', '-f', 'mp4', partial])
  await rename(partial, path)
  return path
}

/** DNS record types by number, as the JSON DNS-over-HTTPS API writes them. */
const DNS_TYPES: Record<string, number> = { A: 1, AAAA: 28, TXT: 16 }

/**
 * A DNS-over-HTTPS server (JSON API) that knows the records given (type 16
 * TXT data in quotes, type 1 A an address), and says which names it was asked for.
 */
export async function startDohServer (records: Record<string, Array<{ type: number, data: string }>>): Promise<{ url: string, asked: string[], server: Server }> {
  const asked: string[] = []
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const name = (url.searchParams.get('name') ?? '').replace(/\.$/, '')
    const types = url.searchParams.getAll('type').map(type => DNS_TYPES[type.toUpperCase()] ?? Number(type))
    asked.push(name)
    const known = records[name]
    const answers = (known ?? []).filter(record => types.length === 0 || types.includes(record.type))
    res.writeHead(200, { 'Content-Type': 'application/dns-json', 'Access-Control-Allow-Origin': '*' })
    res.end(JSON.stringify({
      Status: known == null ? 3 : 0,
      Question: types.map(type => ({ name, type })),
      Answer: answers.map(record => ({ name, type: record.type, TTL: 60, data: record.data }))
    }))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (address == null || typeof address === 'string') throw new Error('no address')
  return { url: `http://127.0.0.1:${address.port}/dns-query`, asked, server }
}
