/**
 * A streaming reader of multipart/form-data bodies (RFC 7578), for the share
 * target: each part's body is a stream read from the request only as fast as
 * its consumer reads it, so a 200 MiB shared file is never held in memory.
 * Written here because the kept parsers either collect each part whole
 * (@remix-run/multipart-parser keeps a part's chunks until it ends) or need
 * Node.js streams (busboy), which a service worker does not have.
 */

export interface FormPart {
  /** The form field's name. */
  name: string
  /** Set for a file part (possibly ''), absent for a plain field. */
  filename?: string
  contentType: string
  /** The part's bytes; read it (or cancel it) before asking for the next part. */
  body: ReadableStream<Uint8Array>
}

export interface MultipartLimits {
  /** Largest header block of one part, in bytes. */
  maxHeaderBytes?: number
  maxParts?: number
}

export const DEFAULT_MAX_HEADER_BYTES = 16 * 1024
export const DEFAULT_MAX_PARTS = 1000

export class MultipartError extends Error {
  override name = 'MultipartError'
}

/** The boundary of a multipart/form-data Content-Type; throws MultipartError for anything else. */
export function boundaryOf (contentType: string | null): string {
  if (contentType == null || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) {
    throw new MultipartError(`expected multipart/form-data, got ${contentType ?? 'no content type'}`)
  }
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType)
  const boundary = match?.[1] ?? match?.[2]
  if (boundary == null) throw new MultipartError('the multipart/form-data body names no boundary')
  return boundary
}

const CRLF = new Uint8Array([13, 10])
const HEADER_END = new Uint8Array([13, 10, 13, 10])
const encoder = new TextEncoder()

/** Where `needle` first occurs in `haystack` at or after `from`, or -1. */
function indexOf (haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  const first = needle[0]
  for (let at = haystack.indexOf(first, from); at !== -1 && at <= haystack.length - needle.length; at = haystack.indexOf(first, at + 1)) {
    let matched = 1
    while (matched < needle.length && haystack[at + matched] === needle[matched]) matched++
    if (matched === needle.length) return at
  }
  return -1
}

/** The bytes read from a stream and not yet consumed, refilled on demand. */
class ByteSource {
  pending: Uint8Array = new Uint8Array(0)
  private ended = false

  constructor (private readonly reader: ReadableStreamDefaultReader<Uint8Array>) {}

  /** Reads one more chunk into `pending`; false at the end of the stream. */
  async fill (): Promise<boolean> {
    if (this.ended) return false
    const { done, value } = await this.reader.read()
    if (done) {
      this.ended = true
      return false
    }
    if (this.pending.length === 0) {
      this.pending = value
    } else {
      const joined = new Uint8Array(this.pending.length + value.length)
      joined.set(this.pending)
      joined.set(value, this.pending.length)
      this.pending = joined
    }
    return true
  }

  /** Consumes and returns everything before `marker`, and the marker; throws when the stream ends first or `limit` bytes pass. */
  async takeThrough (marker: Uint8Array, limit: number, what: string): Promise<Uint8Array> {
    for (;;) {
      const at = indexOf(this.pending, marker)
      if (at > limit) throw new MultipartError(`${what} is longer than ${limit} bytes`)
      if (at !== -1) {
        const before = this.pending.subarray(0, at)
        this.pending = this.pending.subarray(at + marker.length)
        return before
      }
      if (this.pending.length > limit + marker.length) throw new MultipartError(`${what} is longer than ${limit} bytes`)
      if (!await this.fill()) throw new MultipartError(`the body ended inside ${what}`)
    }
  }

  /** Ensures `count` bytes are pending; false when the stream ends first. */
  async ensure (count: number): Promise<boolean> {
    while (this.pending.length < count) {
      if (!await this.fill()) return false
    }
    return true
  }

  async cancel (reason: unknown): Promise<void> {
    await this.reader.cancel(reason)
  }
}

/**
 * The parts of a multipart/form-data body, in order. Each part's body must be
 * read to its end or cancelled before the next part is asked for; a part left
 * half-read is skipped to its end.
 */
export async function * readFormParts (body: ReadableStream<Uint8Array>, boundary: string, limits: MultipartLimits = {}): AsyncGenerator<FormPart> {
  const maxHeaderBytes = limits.maxHeaderBytes ?? DEFAULT_MAX_HEADER_BYTES
  const maxParts = limits.maxParts ?? DEFAULT_MAX_PARTS
  const source = new ByteSource(body.getReader())
  // Every delimiter but the first follows a CRLF; starting with one makes the first look the same.
  source.pending = CRLF
  const delimiter = encoder.encode(`\r\n--${boundary}`)
  let finished = false
  try {
    await source.takeThrough(delimiter, 64 * 1024, 'the preamble')
    for (let count = 0; ; count++) {
      if (!await source.ensure(2)) throw new MultipartError('the body ended without its closing boundary')
      if (source.pending[0] === 45 && source.pending[1] === 45) break // "--": the closing delimiter
      if (count === maxParts) throw new MultipartError(`the body has more than ${maxParts} parts`)
      // Transport padding (spaces, tabs) may follow a delimiter before its CRLF.
      const padding = await source.takeThrough(CRLF, 256, 'a boundary line')
      if (padding.some(byte => byte !== 32 && byte !== 9)) throw new MultipartError('a boundary line holds more than the boundary')
      const headers = parseHeaders(await source.takeThrough(HEADER_END, maxHeaderBytes, 'a part\'s headers'))
      const part = new PartBody(source, delimiter)
      yield { ...headers, body: part.stream }
      await part.skipRest()
    }
    finished = true
  } finally {
    if (!finished) await source.cancel('the multipart body was not read to its end').catch(() => {})
  }
}

/** One part's bytes as a stream, ending at the next delimiter. */
class PartBody {
  readonly stream: ReadableStream<Uint8Array>
  private done = false
  private failure: unknown

  constructor (private readonly source: ByteSource, private readonly delimiter: Uint8Array) {
    this.stream = new ReadableStream<Uint8Array>({
      pull: async controller => {
        try {
          const chunk = await this.next()
          if (chunk == null) controller.close()
          else controller.enqueue(chunk)
        } catch (err) {
          this.failure = err
          controller.error(err)
        }
      },
      // A consumer that stops early leaves the rest to be skipped before the next part.
      cancel: () => {}
    }, { highWaterMark: 0 })
  }

  /** The next bytes of this part (never empty), or undefined once its delimiter is consumed. */
  private async next (): Promise<Uint8Array | undefined> {
    if (this.done) return undefined
    for (;;) {
      const pending = this.source.pending
      const at = indexOf(pending, this.delimiter)
      if (at !== -1) {
        this.source.pending = pending.subarray(at + this.delimiter.length)
        this.done = true
        if (at > 0) return pending.subarray(0, at)
        return undefined
      }
      // All but the last delimiter-length - 1 bytes cannot start a delimiter: hand them on now.
      const safe = pending.length - (this.delimiter.length - 1)
      if (safe > 0) {
        this.source.pending = pending.subarray(safe)
        return pending.subarray(0, safe)
      }
      if (!await this.source.fill()) throw new MultipartError('the body ended inside a part')
    }
  }

  async skipRest (): Promise<void> {
    if (this.failure != null) throw this.failure
    while (await this.next() != null) {}
  }
}

const decoder = new TextDecoder()

function parseHeaders (block: Uint8Array): Omit<FormPart, 'body'> {
  const fields = new Map<string, string>()
  for (const line of decoder.decode(block).split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon <= 0) throw new MultipartError(`a part header is malformed: ${JSON.stringify(line.slice(0, 80))}`)
    fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const disposition = fields.get('content-disposition')
  if (disposition == null || !/^form-data\s*(;|$)/i.test(disposition)) throw new MultipartError('a part has no Content-Disposition: form-data header')
  const name = dispositionParameter(disposition, 'name')
  if (name == null) throw new MultipartError('a part names no form field')
  return { name, filename: dispositionParameter(disposition, 'filename'), contentType: fields.get('content-type') ?? 'text/plain' }
}

/**
 * A parameter of Content-Disposition. Browsers write names as quoted strings
 * and escape only `"`, CR and LF, as %22, %0D and %0A (HTML's form
 * submission algorithm); those are the escapes undone here.
 */
function dispositionParameter (disposition: string, parameter: string): string | undefined {
  const match = new RegExp(`;\\s*${parameter}=(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i').exec(disposition)
  if (match == null) return undefined
  const raw = match[1] ?? match[2]
  return raw.replace(/\\(.)/g, '$1').replace(/%22/gi, '"').replace(/%0D/gi, '\r').replace(/%0A/gi, '\n')
}
