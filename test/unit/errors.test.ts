import { describe, expect, it } from 'vitest'
import {
  AbortError,
  InvalidCidError,
  InvalidConfigError,
  NodeGoneError,
  NotFoundError,
  QuotaExceededError,
  SizeLimitError,
  TimeoutError,
  deserializeError,
  isAbortError,
  isQuotaError,
  serializeError
} from '../../src/lib/errors.ts'

const NAMED = [
  ['InvalidCidError', InvalidCidError],
  ['InvalidConfigError', InvalidConfigError],
  ['NotFoundError', NotFoundError],
  ['NodeGoneError', NodeGoneError],
  ['TimeoutError', TimeoutError],
  ['AbortError', AbortError],
  ['QuotaExceededError', QuotaExceededError],
  ['SizeLimitError', SizeLimitError]
] as const

describe('named errors', () => {
  for (const [name, Ctor] of NAMED) {
    it(`${name} is an Error whose instance and class are called ${name}`, () => {
      const err = new Ctor('boom')
      expect(err).toBeInstanceOf(Error)
      expect(err).toBeInstanceOf(Ctor)
      expect(err.name).toBe(name)
      expect(Ctor.name).toBe(name)
      expect(err.message).toBe('boom')
      expect(String(err)).toBe(`${name}: boom`)
    })
  }

  it('AbortError and QuotaExceededError have default messages', () => {
    expect(new AbortError().message).toBe('The operation was aborted')
    expect(new QuotaExceededError().message).toMatch(/^Storage is full/)
  })
})

describe('serializeError / deserializeError', () => {
  for (const [name, Ctor] of NAMED) {
    it(`round-trips a ${name} through structuredClone keeping name and message`, () => {
      const original = new Ctor(`${name} happened`)
      const wire = structuredClone(serializeError(original))
      expect(wire).toEqual({ name, message: `${name} happened`, stack: original.stack })
      const back = deserializeError(wire)
      expect(back).toBeInstanceOf(Error)
      expect(back.name).toBe(name)
      expect(back.message).toBe(`${name} happened`)
      expect(back.stack).toBe(original.stack)
    })
  }

  it('round-trips built-in errors', () => {
    for (const original of [new TypeError('bad type'), new RangeError('too far'), new Error('plain')]) {
      const back = deserializeError(structuredClone(serializeError(original)))
      expect(back.name).toBe(original.name)
      expect(back.message).toBe(original.message)
    }
  })

  it('round-trips a DOMException by name', () => {
    const back = deserializeError(serializeError(new DOMException('Storage is full', 'QuotaExceededError')))
    expect(back.name).toBe('QuotaExceededError')
    expect(back.message).toBe('Storage is full')
    expect(isQuotaError(back)).toBe(true)
  })

  it('keeps an error whose name was set by hand', () => {
    const err = new Error('gone')
    err.name = 'CustomThingError'
    expect(deserializeError(serializeError(err)).name).toBe('CustomThingError')
  })

  it('produces only cloneable plain data', () => {
    const err = new NotFoundError('no such block')
    ;(err as any).cause = { fn: () => {} }
    const wire = serializeError(err)
    expect(Object.keys(wire).sort()).toEqual(['message', 'name', 'stack'])
    expect(() => structuredClone(wire)).not.toThrow()
  })

  it('serialises an error-like object', () => {
    expect(serializeError({ name: 'WeirdError', message: 'odd' })).toEqual({ name: 'WeirdError', message: 'odd', stack: undefined })
    expect(serializeError({ message: 'no name' })).toEqual({ name: 'Error', message: 'no name', stack: undefined })
    expect(serializeError({ message: 42 }).message).toBe('42')
  })

  it('serialises thrown non-errors as Error with their string form', () => {
    expect(serializeError('just a string')).toEqual({ name: 'Error', message: 'just a string' })
    expect(serializeError(42)).toEqual({ name: 'Error', message: '42' })
    expect(serializeError(null)).toEqual({ name: 'Error', message: 'null' })
    expect(serializeError(undefined)).toEqual({ name: 'Error', message: 'undefined' })
    expect(serializeError({ code: 1 })).toEqual({ name: 'Error', message: '[object Object]' })
  })

  it('deserialises without a stack', () => {
    const err = deserializeError({ name: 'NotFoundError', message: 'm' })
    expect(err.name).toBe('NotFoundError')
    expect(err.message).toBe('m')
    expect(typeof err.stack).toBe('string')
  })
})

describe('isQuotaError', () => {
  it('recognises the name QuotaExceededError', () => {
    expect(isQuotaError(new QuotaExceededError())).toBe(true)
    expect(isQuotaError(new DOMException('x', 'QuotaExceededError'))).toBe(true)
    expect(isQuotaError({ name: 'QuotaExceededError' })).toBe(true)
    expect(isQuotaError(deserializeError({ name: 'QuotaExceededError', message: '' }))).toBe(true)
  })

  it('recognises a message mentioning QuotaExceededError or a quota', () => {
    expect(isQuotaError(new Error('Failed to put: QuotaExceededError: the quota has been exceeded'))).toBe(true)
    expect(isQuotaError(new Error('QuotaExceededError'))).toBe(true)
    expect(isQuotaError(new Error('Encountered full disk while opening backing store for indexedDB.open. Quota exceeded.'))).toBe(true)
    expect(isQuotaError({ message: 'quota' })).toBe(true)
    // Chromium, when the disk filled as it wrote a block's blob file.
    expect(isQuotaError(new Error('Failed to put bafk…: UnknownError: Failed to write blobs (IOError)'))).toBe(true)
  })

  it('does not mistake other words for a quota', () => {
    expect(isQuotaError(new SyntaxError('Unterminated quotation mark'))).toBe(false)
    expect(isQuotaError(new Error('Encountered full disk while opening backing store'))).toBe(true)
  })

  it('follows a cause chain', () => {
    const quota = new DOMException('x', 'QuotaExceededError')
    expect(isQuotaError(new Error('put failed', { cause: quota }))).toBe(true)
    expect(isQuotaError(new Error('import failed', { cause: new Error('put failed', { cause: quota }) }))).toBe(true)
    expect(isQuotaError(new Error('outer', { cause: new Error('QuotaExceededError in IndexedDB') }))).toBe(true)
  })

  it('is false for other errors and non-errors', () => {
    expect(isQuotaError(new Error('disk on fire'))).toBe(false)
    expect(isQuotaError(new NotFoundError('missing'))).toBe(false)
    expect(isQuotaError(new Error('outer', { cause: new Error('inner') }))).toBe(false)
    expect(isQuotaError(new Error('outer', { cause: 'QuotaExceededError' }))).toBe(false)
    for (const v of [null, undefined, 'QuotaExceededError', 42, true]) {
      expect(isQuotaError(v)).toBe(false)
    }
  })

  // KNOWN BUG (see report): an error whose cause is itself recurses until the stack overflows.
  it('terminates on a cyclic cause chain', () => {
    const err = new Error('loop') as Error & { cause?: unknown }
    err.cause = err
    expect(isQuotaError(err)).toBe(false)
  })
})

describe('isAbortError', () => {
  it('recognises AbortError in its forms', () => {
    expect(isAbortError(new AbortError())).toBe(true)
    expect(isAbortError(new DOMException('aborted', 'AbortError'))).toBe(true)
    expect(isAbortError({ name: 'AbortError' })).toBe(true)
    expect(isAbortError(deserializeError(serializeError(new AbortError())))).toBe(true)
  })

  it('recognises the reason of an aborted AbortController', () => {
    const controller = new AbortController()
    controller.abort()
    expect(isAbortError(controller.signal.reason)).toBe(true)
  })

  it('is false for timeouts and other errors', () => {
    expect(isAbortError(new TimeoutError('slow'))).toBe(false)
    expect(isAbortError(new DOMException('timed out', 'TimeoutError'))).toBe(false)
    expect(isAbortError(new Error('AbortError'))).toBe(false)
    for (const v of [null, undefined, 'AbortError', 0]) {
      expect(isAbortError(v)).toBe(false)
    }
  })
})
