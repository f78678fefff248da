import { describe, expect, it } from 'vitest'
import { packStreams, portToStream, readChunks, streamToPort, unpackStreams } from '../../src/lib/port-stream.ts'

function counted (chunks: Uint8Array[]): { stream: ReadableStream<Uint8Array>, pulled: () => number, cancelled: () => unknown } {
  let next = 0
  let cancelled: unknown
  const stream = new ReadableStream<Uint8Array>({
    pull (controller) {
      if (next < chunks.length) controller.enqueue(chunks[next++])
      else controller.close()
    },
    cancel (reason) { cancelled = reason }
  }, { highWaterMark: 0 })
  return { stream, pulled: () => next, cancelled: () => cancelled }
}

async function collect (stream: ReadableStream<Uint8Array>): Promise<number[]> {
  const out: number[] = []
  for await (const chunk of readChunks(stream)) out.push(...chunk)
  return out
}

async function until (condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise(resolve => setTimeout(resolve, 5))
}

describe('streams over a port, where the engine cannot transfer them', () => {
  it('arrive whole and in order', async () => {
    const chunks = Array.from({ length: 20 }, (_, i) => new Uint8Array([i, i + 1]))
    const received = portToStream<Uint8Array>(streamToPort(counted(chunks).stream))
    expect(await collect(received)).toEqual(chunks.flatMap(chunk => [...chunk]))
  })

  it('are read at the sender only as far as the receiver asks (backpressure)', async () => {
    const source = counted(Array.from({ length: 100 }, (_, i) => new Uint8Array([i])))
    const reader = portToStream<Uint8Array>(streamToPort(source.stream), 4).getReader()
    expect((await reader.read()).value).toEqual(new Uint8Array([0]))
    // The receiver keeps its read-ahead of 4 queued, and the sender reads no further.
    await until(() => source.pulled() >= 5)
    await new Promise(resolve => setTimeout(resolve, 50))
    expect(source.pulled()).toBeLessThanOrEqual(6)
    await reader.cancel('enough')
    await until(() => source.cancelled() != null)
    expect(source.cancelled()).toBe('enough')
  })

  it('carry an error of the sender\'s stream to the reader, by name', async () => {
    const failing = new ReadableStream<Uint8Array>({
      pull () { const err = new Error('disk gone'); err.name = 'QuotaError'; throw err }
    })
    const reader = portToStream<Uint8Array>(streamToPort(failing)).getReader()
    await expect(reader.read()).rejects.toMatchObject({ name: 'QuotaError', message: 'disk gone' })
  })

  it('replace the streams of a message by ports and back, leaving other fields', async () => {
    const body = counted([new Uint8Array([7, 8, 9])]).stream
    const packed = packStreams({ status: 200, headers: [['a', 'b']], body }, [body], false)
    expect(packed.value.body).not.toBeInstanceOf(ReadableStream)
    expect(packed.transferables).toHaveLength(1)
    expect(packed.transferables[0]).toBeInstanceOf(MessagePort)
    const { value } = structuredClone(packed, { transfer: packed.transferables })
    const unpacked = unpackStreams(value)
    expect(unpacked.status).toBe(200)
    expect(unpacked.headers).toEqual([['a', 'b']])
    expect(await collect(unpacked.body)).toEqual([7, 8, 9])
  })

  it('leave a message alone where streams transfer', () => {
    const body = new ReadableStream()
    const message = { body }
    expect(packStreams(message, [body], true)).toEqual({ value: message, transferables: [body] })
    expect(unpackStreams(message)).toBe(message)
  })
})
