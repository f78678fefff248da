// @ts-check
/**
 * The raw pipe of the transfer benchmark (bench/transfer.js) for the ways
 * between a browser and a server (the infra node, Kubo): a plain WebSocket
 * server, run under the same Node.js 22 as the infra node, on loopback.
 * `/sink?n=N` takes N
 * bytes and answers with one text message once they are in; with `&store=1`
 * it also does what a receiving node must with each message (a block): its
 * SHA-256, and a file of its own named by it, answering once every file is
 * written (they are deleted after the answer). `/source?n=N` sends N bytes in
 * 1 MiB messages, keeping to the socket's buffer, then closes.
 * Prints {"event":"ready","port":N} when listening.
 */
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { WebSocketServer } from 'ws'

const CHUNK = 1024 * 1024
const MAX_IN_FLIGHT = 16

const server = new WebSocketServer({ host: '127.0.0.1', port: 0 })
/** Where `/sink?store=1` writes its files: a directory per connection, removed after its answer. */
const storeRoot = mkdtempSync(join(tmpdir(), 'raw-ws-store-'))
let connections = 0

server.on('connection', (socket, request) => {
  const url = new URL(request.url ?? '/', 'http://127.0.0.1')
  const total = Number(url.searchParams.get('n'))
  if (url.pathname === '/sink' && url.searchParams.get('store') === '1') {
    const dir = join(storeRoot, String(++connections))
    const made = mkdir(dir)
    let received = 0
    /** @type {Array<Promise<void>>} */
    const writes = []
    socket.on('message', data => {
      const block = /** @type {Buffer} */ (data)
      received += block.byteLength
      const name = createHash('sha256').update(block).digest('hex')
      writes.push(made.then(async () => { await writeFile(join(dir, name), block) }))
      if (received < total) return
      Promise.all(writes).then(() => {
        socket.send(JSON.stringify({ received }))
        return rm(dir, { recursive: true, force: true })
      }).catch(err => { socket.close(1011, String(err)) })
    })
  } else if (url.pathname === '/sink') {
    let received = 0
    socket.on('message', data => {
      received += /** @type {Buffer} */ (data).byteLength
      if (received >= total) socket.send(JSON.stringify({ received }))
    })
  } else if (url.pathname === '/source') {
    const chunk = Buffer.alloc(CHUNK, 7)
    let sent = 0
    let inFlight = 0
    // Each send's callback fires once ws wrote it to the socket: a few in flight keep the pipe full.
    const pump = () => {
      while (sent < total && inFlight < MAX_IN_FLIGHT) {
        const size = Math.min(CHUNK, total - sent)
        inFlight++
        socket.send(size === CHUNK ? chunk : chunk.subarray(0, size), () => { inFlight--; pump() })
        sent += size
      }
      if (sent >= total && inFlight === 0) socket.close()
    }
    pump()
  } else {
    socket.close(1008, 'unknown path')
  }
})

server.on('listening', () => {
  const address = server.address()
  console.log(JSON.stringify({ event: 'ready', port: typeof address === 'object' ? address.port : 0 }))
})
process.on('SIGTERM', () => { server.close(() => { rmSync(storeRoot, { recursive: true, force: true }); process.exit(0) }) })
