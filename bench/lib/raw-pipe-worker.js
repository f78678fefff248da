// @ts-nocheck
/**
 * The raw WebSocket pipe of bench/transfer.js, run in a SharedWorker of the app's origin as the
 * node is: a page's WebSocket is watched by the DevTools protocol the driver holds (every frame's
 * payload goes to the driver as an event, base64), which made the raw pipe in a page four times
 * slower than the same pipe in a worker the driver does not watch. Served at
 * /bench/raw-pipe-worker.js of the app's origin. Ports connect with { op: 'up' | 'down', port, size }
 * and get { result } or { error }.
 */

/** Sends `size` bytes to the raw server's sink, at most 4 MiB buffered; ms from the first send to the server's answer. */
async function up ({ port, size }) {
  const message = new Uint8Array(1024 * 1024)
  for (let i = 0; i < message.length; i += 65536) crypto.getRandomValues(message.subarray(i, i + 65536))
  const socket = new WebSocket(`ws://127.0.0.1:${port}/sink?n=${size}`)
  await new Promise((resolve, reject) => { socket.onopen = resolve; socket.onerror = () => reject(new Error('the raw sink refused')) })
  const done = new Promise(resolve => { socket.onmessage = resolve })
  const started = performance.now()
  for (let sent = 0; sent < size; sent += message.length) {
    while (socket.bufferedAmount > 4 * message.length) await new Promise(resolve => setTimeout(resolve, 1))
    socket.send(message.subarray(0, Math.min(message.length, size - sent)))
  }
  await done
  const ms = performance.now() - started
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

self.onconnect = event => {
  const port = event.ports[0]
  port.onmessage = async ({ data }) => {
    try {
      port.postMessage({ result: await (data.op === 'up' ? up(data) : down(data)) })
    } catch (err) {
      port.postMessage({ error: String(err?.message ?? err) })
    }
  }
}
