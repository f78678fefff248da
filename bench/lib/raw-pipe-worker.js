// @ts-nocheck
/**
 * The raw WebSocket pipe of bench/transfer.js, run in a SharedWorker of the app's origin as the
 * node is: a page's WebSocket is watched by the DevTools protocol the driver holds (every frame's
 * payload goes to the driver as an event, base64), which made the raw pipe in a page four times
 * slower than the same pipe in a worker the driver does not watch. Served at
 * /bench/raw-pipe-worker.js of the app's origin. Ports connect with
 * { op: 'up' | 'up-stored' | 'down' | 'down-stored', port, size } and get { result } or { error }.
 */

/** The stored pipes' storage work (bench/lib/raw-store.js), served beside this script. */
const loadStore = async () => await import('./raw-store.js')

/** Sends `size` bytes to the raw server's sink, at most 4 MiB buffered; ms from the first send to the server's answer. */
async function up ({ port, size }) {
  const { BLOCK } = await loadStore()
  const message = new Uint8Array(BLOCK)
  for (let i = 0; i < message.length; i += 65536) crypto.getRandomValues(message.subarray(i, i + 65536))
  return await send(`ws://127.0.0.1:${port}/sink?n=${size}`, size, i => message.subarray(0, Math.min(message.length, size - i * message.length)))
}

/**
 * `up` with what a sending and a receiving node must add: the page holds `size` bytes as 1 MiB
 * blocks in IndexedDB (put there before the clock starts) and reads each, one read ahead, before
 * sending it; the server hashes each and writes it to a file of its own (`store=1`) before it
 * answers. The database is deleted afterwards, outside the timing.
 */
async function upStored ({ port, size }) {
  const { openDatabase, putRandomBlocks, readBlock, deleteDatabase } = await loadStore()
  const db = await openDatabase()
  try {
    await putRandomBlocks(db, size)
    return await send(`ws://127.0.0.1:${port}/sink?n=${size}&store=1`, size, async i => await readBlock(db, i))
  } finally {
    await deleteDatabase(db)
  }
}

/** Sends block 0, 1, … of `size` bytes (`block(i)` reads one, one read ahead) on a new socket to `url`, at most 4 MiB buffered; ms from before the first read to the server's answer. */
async function send (url, size, block) {
  const { BLOCK } = await loadStore()
  const socket = new WebSocket(url)
  await new Promise((resolve, reject) => { socket.onopen = resolve; socket.onerror = () => reject(new Error('the raw sink refused')) })
  const done = new Promise((resolve, reject) => { socket.onmessage = resolve; socket.onclose = () => reject(new Error('the raw sink closed before its answer')) })
  const started = performance.now()
  let next = block(0)
  for (let i = 0; i * BLOCK < size; i++) {
    const bytes = await next
    if ((i + 1) * BLOCK < size) next = block(i + 1)
    while (socket.bufferedAmount > 4 * BLOCK) await new Promise(resolve => setTimeout(resolve, 1))
    socket.send(bytes)
  }
  await done
  const ms = performance.now() - started
  socket.onclose = null
  socket.close()
  return { ms }
}

/** Receives `size` bytes from the raw server's source; ms from opening the socket to its close, and the longest gap between messages. */
async function down ({ port, size }) {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/source?n=${size}`)
  socket.binaryType = 'arraybuffer'
  let received = 0
  const started = performance.now()
  let last = started
  let gapMs = 0
  await new Promise((resolve, reject) => {
    socket.onmessage = event => {
      const now = performance.now()
      gapMs = Math.max(gapMs, now - last)
      last = now
      received += event.data.byteLength
    }
    socket.onclose = resolve
    socket.onerror = () => reject(new Error('the raw source failed'))
  })
  if (received !== size) throw new Error(`received ${received} of ${size} bytes`)
  return { ms: performance.now() - started, gapMs }
}

/**
 * Receives `size` bytes from the raw server's source as `down` does, and does with each message
 * what a receiving node must do with a block: its SHA-256 (WebCrypto), then a put in IndexedDB,
 * STORE_BATCH messages per transaction. Timed from opening the socket to the last transaction's
 * commit; the database is deleted afterwards, outside the timing.
 */
async function downStored ({ port, size }) {
  const { openDatabase, BlockStorer, deleteDatabase } = await loadStore()
  const db = await openDatabase()
  try {
    const socket = new WebSocket(`ws://127.0.0.1:${port}/source?n=${size}`)
    socket.binaryType = 'arraybuffer'
    const storer = new BlockStorer(db)
    let received = 0
    const started = performance.now()
    await new Promise((resolve, reject) => {
      socket.onmessage = event => {
        received += event.data.byteLength
        storer.add(event.data)
      }
      socket.onclose = resolve
      socket.onerror = () => reject(new Error('the raw source failed'))
    })
    await storer.flush()
    if (received !== size) throw new Error(`received ${received} of ${size} bytes`)
    return { ms: performance.now() - started }
  } finally {
    await deleteDatabase(db)
  }
}

const OPS = { up, 'up-stored': upStored, down, 'down-stored': downStored }

self.onconnect = event => {
  const port = event.ports[0]
  port.onmessage = async ({ data }) => {
    try {
      port.postMessage({ result: await OPS[data.op](data) })
    } catch (err) {
      port.postMessage({ error: String(err?.message ?? err) })
    }
  }
}
