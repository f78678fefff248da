/**
 * Named errors. They are matched by `.name`, which survives `postMessage`
 * (the prototype does not), so every error that crosses a port is rebuilt
 * from `{ name, message }` by `deserializeError`.
 */

export class InvalidCidError extends Error {
  static name = 'InvalidCidError'
  name = 'InvalidCidError'
}

/** A share link that cannot be read: no CID, or addresses that are not multiaddrs of a peer. */
export class InvalidShareLinkError extends Error {
  static name = 'InvalidShareLinkError'
  name = 'InvalidShareLinkError'
}

/** A multiaddr or peer ID typed by hand that cannot be parsed. */
export class InvalidAddressError extends Error {
  static name = 'InvalidAddressError'
  name = 'InvalidAddressError'
}

/** A dial by hand that failed; the message says what to check. */
export class DialFailedError extends Error {
  static name = 'DialFailedError'
  name = 'DialFailedError'
}

export class InvalidConfigError extends Error {
  static name = 'InvalidConfigError'
  name = 'InvalidConfigError'
}

export class NotFoundError extends Error {
  static name = 'NotFoundError'
  name = 'NotFoundError'
}

/** The node went away (its worker crashed or was closed) while a call was pending. */
export class NodeGoneError extends Error {
  static name = 'NodeGoneError'
  name = 'NodeGoneError'
}

export class TimeoutError extends Error {
  static name = 'TimeoutError'
  name = 'TimeoutError'
}

/** A fetch that would hold more than the person agreed to (a share link's announced size, or the limit they set). */
export class SizeLimitError extends Error {
  static name = 'SizeLimitError'
  name = 'SizeLimitError'
}

export class AbortError extends Error {
  static name = 'AbortError'
  name = 'AbortError'
  constructor (message = 'The operation was aborted') {
    super(message)
  }
}

export interface SerializedError {
  name: string
  message: string
  stack?: string
}

export function serializeError (err: unknown): SerializedError {
  if (err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err)) {
    const e = err as Error
    return { name: e.name ?? 'Error', message: String(e.message), stack: e.stack }
  }
  return { name: 'Error', message: String(err) }
}

export function deserializeError (data: SerializedError): Error {
  const err = new Error(data.message)
  err.name = data.name
  if (data.stack != null) err.stack = data.stack
  return err
}

/** IndexedDB reports a full disk or an exhausted origin quota under this name. */
export function isQuotaError (err: unknown, seen = new Set<unknown>()): boolean {
  if (typeof err !== 'object' || err === null || seen.has(err)) return false
  seen.add(err)
  const e = err as { name?: string, message?: string, cause?: unknown }
  if (e.name === 'QuotaExceededError') return true
  // blockstore-idb rethrows as PutFailedError with the DOMException's text in the message. Chromium
  // reports a disk that filled while it wrote a value's blob file as "Failed to write blobs (IOError)".
  if (typeof e.message === 'string' && /QuotaExceeded|\bquota\b|full disk|Failed to write blobs/i.test(e.message)) return true
  return isQuotaError(e.cause, seen)
}

export function isAbortError (err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { name?: string }).name === 'AbortError'
}

/** A DHT announce that reached nobody, or had no address to announce. */
export class AnnounceFailedError extends Error {
  static name = 'AnnounceFailedError'
  name = 'AnnounceFailedError'
}

export class QuotaExceededError extends Error {
  static name = 'QuotaExceededError'
  name = 'QuotaExceededError'
  constructor (message = 'Storage is full: this site has used up the space the browser allows it. Delete files and collect garbage, or allow persistent storage, then try again.') {
    super(message)
  }
}
