import { describe, expect, it } from 'vitest'
import { boundaryOf, readFormParts, type FormPart } from '../../src/lib/multipart.ts'

/** A multipart body as fetch's own encoder writes it, with its Content-Type. */
async function encode (form: FormData): Promise<{ bytes: Uint8Array, contentType: string }> {
  const request = new Request('http://localhost/share-target', { method: 'POST', body: form })
  return { bytes: new Uint8Array(await request.arrayBuffer()), contentType: request.headers.get('content-type')! }
}

/** The bytes as a stream cut into chunks of the given sizes, cycling. */
function chunked (bytes: Uint8Array, sizes: number[]): ReadableStream<Uint8Array> {
  let offset = 0
  let turn = 0
  return new ReadableStream({
    pull (controller) {
      if (offset >= bytes.length) { controller.close(); return }
      const size = sizes[turn++ % sizes.length]
      controller.enqueue(bytes.slice(offset, offset + size))
      offset += size
    }
  })
}

async function readAll (stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer())
}

/**
 * Where two byte arrays first differ (-1 when equal): Vitest's toEqual walks a
 * typed array element by element, about a second for 300 KB.
 */
function firstDifference (a: Uint8Array, b: Uint8Array): number {
  if (Buffer.from(a.buffer, a.byteOffset, a.length).equals(b)) return -1
  let at = 0
  while (at < a.length && at < b.length && a[at] === b[at]) at++
  return at
}

interface ReadPart { name: string, filename?: string, contentType: string, bytes: Uint8Array }

async function readParts (stream: ReadableStream<Uint8Array>, boundary: string): Promise<ReadPart[]> {
  const parts: ReadPart[] = []
  for await (const part of readFormParts(stream, boundary)) {
    parts.push({ name: part.name, filename: part.filename, contentType: part.contentType, bytes: await readAll(part.body) })
  }
  return parts
}

/** Bytes that look like the start of a delimiter again and again, without being one. */
function trickyBytes (boundary: string, length: number): Uint8Array<ArrayBuffer> {
  const near = new TextEncoder().encode(`\r\n--${boundary.slice(0, -1)}x\r\n-\r\r\n`)
  const bytes = new Uint8Array(length)
  for (let i = 0; i < length; i++) bytes[i] = i % 97 === 0 ? 13 : near[i % near.length]
  return bytes
}

describe('readFormParts', () => {
  it('reads files and fields whole, whatever the chunk sizes', async () => {
    const form = new FormData()
    form.append('title', 'holiday')
    const first = new Uint8Array(300_000).map((_, i) => (i * 31) % 251)
    form.append('files', new Blob([first], { type: 'image/jpeg' }), 'photo.jpg')
    form.append('files', new Blob([]), 'empty.txt')
    const { bytes, contentType } = await encode(form)
    const boundary = boundaryOf(contentType)
    const tricky = trickyBytes(boundary, 5000)
    const trickyForm = new FormData()
    trickyForm.append('files', new Blob([tricky]), 'tricky.bin')
    const trickyBody = await encode(trickyForm)

    for (const sizes of [[1], [7, 3, 11], [65_536], [bytes.length]]) {
      const parts = await readParts(chunked(bytes, sizes), boundary)
      expect(parts.map(p => [p.name, p.filename, p.contentType])).toEqual([
        ['title', undefined, 'text/plain'],
        ['files', 'photo.jpg', 'image/jpeg'],
        ['files', 'empty.txt', 'application/octet-stream']
      ])
      expect(new TextDecoder().decode(parts[0].bytes)).toBe('holiday')
      expect(firstDifference(parts[1].bytes, first)).toBe(-1)
      expect(parts[2].bytes.length).toBe(0)

      const [trickyPart] = await readParts(chunked(trickyBody.bytes, sizes), boundaryOf(trickyBody.contentType))
      expect(firstDifference(trickyPart.bytes, tricky)).toBe(-1)
    }
  })

  it('undoes the escapes browsers write into file names', async () => {
    const boundary = 'b0und'
    const body = new TextEncoder().encode([
      `--${boundary}`,
      'Content-Disposition: form-data; name="files"; filename="say %22hi%22%0Anow ü.txt"',
      'Content-Type: text/plain',
      '',
      'hi',
      `--${boundary}--`,
      ''
    ].join('\r\n'))
    const [part] = await readParts(chunked(body, [5]), boundary)
    expect(part.filename).toBe('say "hi"\nnow ü.txt')
    expect(new TextDecoder().decode(part.bytes)).toBe('hi')
  })

  it('skips a part its consumer did not read, and hands on the next one whole', async () => {
    const form = new FormData()
    form.append('files', new Blob([new Uint8Array(100_000).fill(1)]), 'a.bin')
    form.append('files', new Blob([new Uint8Array(1000).fill(2)]), 'b.bin')
    const { bytes, contentType } = await encode(form)
    const seen: Array<[string | undefined, number]> = []
    for await (const part of readFormParts(chunked(bytes, [4096]), boundaryOf(contentType))) {
      if (part.filename === 'a.bin') {
        const reader = part.body.getReader()
        await reader.read()
        await reader.cancel()
        seen.push([part.filename, -1])
      } else {
        seen.push([part.filename, (await readAll(part.body)).length])
      }
    }
    expect(seen).toEqual([['a.bin', -1], ['b.bin', 1000]])
  })

  it('refuses what is not a whole multipart/form-data body', async () => {
    expect(() => boundaryOf('application/json')).toThrow(/multipart\/form-data/)
    expect(() => boundaryOf(null)).toThrow(/no content type/)
    expect(() => boundaryOf('multipart/form-data')).toThrow(/no boundary/)
    expect(boundaryOf('multipart/form-data; boundary="a b"')).toBe('a b')

    const form = new FormData()
    form.append('files', new Blob([new Uint8Array(10_000)]), 'a.bin')
    const { bytes, contentType } = await encode(form)
    const boundary = boundaryOf(contentType)
    const consume = async (body: Uint8Array, limits = {}): Promise<void> => {
      for await (const part of readFormParts(chunked(body, [1000]), boundary, limits)) await readAll(part.body)
    }
    await expect(consume(bytes.slice(0, 5000))).rejects.toMatchObject({ name: 'MultipartError', message: 'the body ended inside a part' })
    await expect(consume(bytes.slice(0, bytes.length - 4))).rejects.toMatchObject({ name: 'MultipartError' })
    await expect(consume(bytes, { maxParts: 0 })).rejects.toThrow(/more than 0 parts/)
    await expect(consume(bytes, { maxHeaderBytes: 10 })).rejects.toThrow(/headers is longer than 10 bytes/)
    const headless = new TextEncoder().encode(`--${boundary}\r\nX-Other: 1\r\n\r\nx\r\n--${boundary}--\r\n`)
    await expect(consume(headless)).rejects.toThrow(/Content-Disposition/)
    await expect(consume(new TextEncoder().encode('no boundary anywhere'))).rejects.toThrow(/preamble/)
  })

  it('cancels the body when its reader stops early', async () => {
    const form = new FormData()
    form.append('files', new Blob([new Uint8Array(10_000)]), 'a.bin')
    const { bytes, contentType } = await encode(form)
    let cancelled = false
    const body = chunked(bytes, [100])
    const reader = body.getReader()
    const watched = new ReadableStream<Uint8Array>({
      async pull (controller) {
        const { done, value } = await reader.read()
        if (done) controller.close()
        else controller.enqueue(value)
      },
      cancel () { cancelled = true }
    })
    const parts: FormPart[] = []
    for await (const part of readFormParts(watched, boundaryOf(contentType))) {
      parts.push(part)
      break
    }
    expect(parts).toHaveLength(1)
    expect(cancelled).toBe(true)
  })
})
