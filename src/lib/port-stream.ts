/**
 * ReadableStreams across contexts where the engine cannot transfer them
 * (WebKit and Safari throw DataCloneError): the sender reads the stream into
 * a MessagePort one chunk per request and the receiver rebuilds a stream that
 * asks for the next chunk only when its reader wants one, so backpressure
 * holds end to end. Where streams transfer (Chromium, Firefox) nothing here
 * runs and they still move without a copy.
 *
 * Also `readChunks`: reading a stream with getReader(), for engines without
 * ReadableStream async iteration (WebKit, Safari).
 */
import { deserializeError, serializeError, type SerializedError } from './errors.ts'

type StreamMessage =
  | { kind: 'pull' }
  | { kind: 'cancel', reason?: string }
  | { kind: 'chunk', chunk: unknown }
  | { kind: 'done' }
  | { kind: 'error', error: SerializedError }

/** What stands for a stream in a message when the stream itself cannot be transferred. */
const PORT_STREAM = '__pollenPortStream'
interface PortStreamMarker { [PORT_STREAM]: MessagePort }

/** Chunks a receiver asks for ahead of its reader. */
export const DEFAULT_READ_AHEAD = 4

let transferable: boolean | undefined

/** Whether this engine can transfer a ReadableStream in postMessage. */
export function canTransferStreams (): boolean {
  if (transferable == null) {
    try {
      const stream = new ReadableStream()
      structuredClone(stream, { transfer: [stream] })
      transferable = true
    } catch {
      transferable = false
    }
  }
  return transferable
}

/** Serves `stream` on a new port, a chunk per 'pull'; returns the port to send. */
export function streamToPort<T> (stream: ReadableStream<T>): MessagePort {
  const { port1, port2 } = new MessageChannel()
  const reader = stream.getReader()
  const send = (message: StreamMessage): void => { port1.postMessage(message) }
  port1.onmessage = (event: MessageEvent<StreamMessage>) => {
    const message = event.data
    if (message.kind === 'cancel') {
      void reader.cancel(message.reason).catch(() => {})
      port1.close()
      return
    }
    if (message.kind !== 'pull') return
    reader.read().then(({ done, value }) => {
      if (done) {
        send({ kind: 'done' })
        port1.close()
      } else {
        // Copied, not transferred: a chunk's buffer may be shared with what the sender keeps (a stored block).
        send({ kind: 'chunk', chunk: value })
      }
    }, (err: unknown) => {
      send({ kind: 'error', error: serializeError(err) })
      port1.close()
    })
  }
  port1.start()
  return port2
}

/** The stream served on `port` by streamToPort. */
export function portToStream<T> (port: MessagePort, readAhead = DEFAULT_READ_AHEAD): ReadableStream<T> {
  let answer: ((message: StreamMessage) => void) | undefined
  port.onmessage = (event: MessageEvent<StreamMessage>) => { answer?.(event.data) }
  port.start()
  return new ReadableStream<T>({
    async pull (controller) {
      const message = await new Promise<StreamMessage>(resolve => {
        answer = resolve
        port.postMessage({ kind: 'pull' } satisfies StreamMessage)
      })
      if (message.kind === 'chunk') {
        controller.enqueue(message.chunk as T)
      } else if (message.kind === 'done') {
        controller.close()
        port.close()
      } else if (message.kind === 'error') {
        controller.error(deserializeError(message.error))
        port.close()
      }
    },
    cancel (reason) {
      port.postMessage({ kind: 'cancel', reason: reason == null ? undefined : String(reason) } satisfies StreamMessage)
      port.close()
    }
  }, new CountQueuingStrategy({ highWaterMark: readAhead }))
}

/**
 * For postMessage: where streams cannot be transferred, each stream of
 * `transferables` found in `value` (its fields, two levels deep) is replaced
 * by a port serving it. Returns what to post and what to transfer.
 */
export function packStreams<T> (value: T, transferables: Transferable[], streamsTransfer = canTransferStreams()): { value: T, transferables: Transferable[] } {
  if (streamsTransfer || !transferables.some(item => item instanceof ReadableStream)) return { value, transferables }
  const ports = new Map<ReadableStream, MessagePort>()
  for (const item of transferables) if (item instanceof ReadableStream) ports.set(item, streamToPort(item))
  const replace = (node: unknown, depth: number): unknown => {
    if (node instanceof ReadableStream) return ports.has(node) ? { [PORT_STREAM]: ports.get(node)! } satisfies PortStreamMarker : node
    if (depth === 0 || typeof node !== 'object' || node === null || Object.getPrototypeOf(node) !== Object.prototype) return node
    return Object.fromEntries(Object.entries(node).map(([key, field]) => [key, replace(field, depth - 1)]))
  }
  return {
    value: replace(value, 2) as T,
    transferables: [...transferables.filter(item => !(item instanceof ReadableStream)), ...ports.values()]
  }
}

/** The other end of packStreams: markers become streams again. Values without markers come back as they are. */
export function unpackStreams<T> (value: T): T {
  const revive = (node: unknown, depth: number): unknown => {
    if (typeof node !== 'object' || node === null || Object.getPrototypeOf(node) !== Object.prototype) return node
    const port = (node as Partial<PortStreamMarker>)[PORT_STREAM]
    if (port instanceof MessagePort) return portToStream(port)
    if (depth === 0) return node
    let changed = false
    const entries = Object.entries(node).map(([key, field]) => {
      const revived = revive(field, depth - 1)
      if (revived !== field) changed = true
      return [key, revived]
    })
    return changed ? Object.fromEntries(entries) : node
  }
  return revive(value, 2) as T
}

/** The chunks of `stream`, read with getReader(); cancels the stream when the loop stops early. */
export async function * readChunks<T> (stream: ReadableStream<T>): AsyncGenerator<T> {
  const reader = stream.getReader()
  let finished = false
  try {
    while (true) {
      const { done, value } = await reader.read()
      if (done) {
        finished = true
        return
      }
      yield value
    }
  } finally {
    if (!finished) await reader.cancel().catch(() => {})
    reader.releaseLock()
  }
}
