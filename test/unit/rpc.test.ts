import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { RpcClient, holdServerLock, serveRpc, transfer, type Handlers, type RpcServerConnection } from '../../src/lib/rpc.ts'
import { AbortError, NodeGoneError, NotFoundError, TimeoutError } from '../../src/lib/errors.ts'

/*
 * navigator.locks polyfill, FOR THIS TEST FILE ONLY.
 *
 * rpc.ts uses Web Locks to learn that the other end is gone. Node 20 has
 * MessageChannel and structuredClone but no navigator (let alone
 * navigator.locks), so when `globalThis.navigator?.locks` is missing, beforeAll
 * installs this minimal in-memory LockManager and afterAll removes it again.
 * It implements what rpc.ts relies on: request(name, [options], callback) with
 * mode 'exclusive' | 'shared', the { signal } option (aborting a request that is
 * still waiting rejects it with the signal's reason), FIFO granting per name,
 * and release of the lock when the callback's promise settles. query() is
 * there so tests can wait until a side is watching the other's lock.
 */
type LockMode = 'exclusive' | 'shared'
interface LockInfo { name: string, mode: LockMode }
interface LockRequest extends LockInfo {
  callback: (lock: LockInfo) => unknown
  resolve: (value: unknown) => void
  reject: (reason: unknown) => void
  signal?: AbortSignal
  onAbort?: () => void
}

class TestLockManager {
  readonly held: LockInfo[] = []
  readonly queue: LockRequest[] = []

  async request (name: string, optionsOrCallback: { mode?: LockMode, signal?: AbortSignal } | ((lock: LockInfo) => unknown), maybeCallback?: (lock: LockInfo) => unknown): Promise<unknown> {
    const options = typeof optionsOrCallback === 'function' ? {} : optionsOrCallback
    const callback = typeof optionsOrCallback === 'function' ? optionsOrCallback : maybeCallback
    if (typeof callback !== 'function') throw new TypeError('callback is required')
    const mode = options.mode ?? 'exclusive'
    const signal = options.signal
    if (signal?.aborted === true) throw signal.reason
    return await new Promise((resolve, reject) => {
      const req: LockRequest = { name, mode, callback, resolve, reject, signal }
      if (signal != null) {
        req.onAbort = () => {
          const i = this.queue.indexOf(req)
          if (i === -1) return // already granted: aborting has no effect
          this.queue.splice(i, 1)
          reject(signal.reason)
          this.process()
        }
        signal.addEventListener('abort', req.onAbort, { once: true })
      }
      this.queue.push(req)
      this.process()
    })
  }

  async query (): Promise<{ held: LockInfo[], pending: LockInfo[] }> {
    return {
      held: this.held.map(({ name, mode }) => ({ name, mode })),
      pending: this.queue.map(({ name, mode }) => ({ name, mode }))
    }
  }

  private process (): void {
    const blockedNames = new Set<string>()
    for (const req of [...this.queue]) {
      if (blockedNames.has(req.name)) continue // FIFO: an earlier request for this name still waits
      const holders = this.held.filter(l => l.name === req.name)
      const grantable = req.mode === 'shared' ? holders.every(l => l.mode === 'shared') : holders.length === 0
      if (!grantable) {
        blockedNames.add(req.name)
        continue
      }
      this.grant(req)
    }
  }

  private grant (req: LockRequest): void {
    this.queue.splice(this.queue.indexOf(req), 1)
    if (req.onAbort != null) req.signal?.removeEventListener('abort', req.onAbort)
    const lock: LockInfo = { name: req.name, mode: req.mode }
    this.held.push(lock)
    const release = (): void => {
      this.held.splice(this.held.indexOf(lock), 1)
      this.process()
    }
    Promise.resolve()
      .then(() => req.callback(lock))
      .then(
        value => { release(); req.resolve(value) },
        err => { release(); req.reject(err) }
      )
  }
}

let installed: { restore: () => void } | undefined

beforeAll(() => {
  const nav = (globalThis as { navigator?: { locks?: unknown } }).navigator
  if (nav?.locks != null) return // a runtime with real Web Locks: use them
  const locks = new TestLockManager()
  if (nav == null) {
    Object.defineProperty(globalThis, 'navigator', { value: { locks }, configurable: true, writable: true })
    installed = { restore: () => { delete (globalThis as { navigator?: unknown }).navigator } }
  } else {
    Object.defineProperty(nav, 'locks', { value: locks, configurable: true, writable: true })
    installed = { restore: () => { delete (nav as { locks?: unknown }).locks } }
  }
})

afterAll(() => {
  installed?.restore()
})

const locks = (): TestLockManager => (globalThis as unknown as { navigator: { locks: TestLockManager } }).navigator.locks

interface Deferred<T> { promise: Promise<T>, resolve: (v: T) => void, reject: (e: unknown) => void }
function deferred<T = void> (): Deferred<T> {
  let resolve!: (v: T) => void
  let reject!: (e: unknown) => void
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

/** Holds a lock until the returned function is called. */
async function holdTestLock (name: string): Promise<() => void> {
  const granted = deferred<() => void>()
  void navigator.locks.request(name, async () => {
    const done = deferred()
    granted.resolve(done.resolve)
    await done.promise
  })
  return await granted.promise
}

/** Resolves once somebody waits for `name` (or a lock whose name starts with `name` when prefix). */
async function waitUntilWatched (name: string, prefix = false): Promise<void> {
  await vi.waitFor(async () => {
    const { pending } = await navigator.locks.query()
    expect(pending!.some(l => prefix ? l.name?.startsWith(name) : l.name === name)).toBe(true)
  }, { timeout: 2000, interval: 5 })
}

/** Rejection of `promise`, failing if it resolves. */
async function rejectionOf (promise: Promise<unknown>): Promise<Error> {
  try {
    await promise
  } catch (err) {
    return err as Error
  }
  throw new Error('expected the promise to reject')
}

type TestMethods = {
  echo: { args: unknown, result: unknown, progress: never }
  add: { args: { a: number, b: number }, result: number, progress: never }
  fail: { args: { name: string, message: string }, result: never, progress: never }
  count: { args: { to: number }, result: string, progress: number }
  wait: { args: { tag: string }, result: string, progress: never }
  delay: { args: { ms: number, value: string }, result: string, progress: never }
  stream: { args: { chunks: string[] }, result: ReadableStream<string>, progress: never }
  uncloneable: { args: null, result: unknown, progress: never }
}

type TestEvent = { type: string, n: number }

interface Rig {
  client: RpcClient<TestMethods, TestEvent>
  server: RpcServerConnection<TestEvent>
  serverLock: string
  releaseServerLock: () => void
  events: TestEvent[]
  /** Each started `wait` handler, by tag: its signal, and a way to finish it. */
  waiting: Map<string, { signal: AbortSignal, finish: (v: string) => void }>
  started: (tag: string) => Promise<{ signal: AbortSignal, finish: (v: string) => void }>
  calls: string[]
}

const rigs: Rig[] = []

async function makeRig (): Promise<Rig> {
  const { port1, port2 } = new MessageChannel()
  const serverLock = `test:server:${crypto.randomUUID()}`
  const releaseServerLock = await holdTestLock(serverLock)
  const waiting = new Map<string, { signal: AbortSignal, finish: (v: string) => void }>()
  const startWaiters = new Map<string, Deferred<{ signal: AbortSignal, finish: (v: string) => void }>>()
  const waiter = (tag: string): Deferred<{ signal: AbortSignal, finish: (v: string) => void }> => {
    let d = startWaiters.get(tag)
    if (d == null) { d = deferred(); startWaiters.set(tag, d) }
    return d
  }
  const calls: string[] = []
  const handlers: Handlers<TestMethods> = {
    echo: async args => { calls.push('echo'); return args },
    add: async ({ a, b }) => { calls.push('add'); return a + b },
    fail: async ({ name, message }) => {
      calls.push('fail')
      if (name === 'NotFoundError') throw new NotFoundError(message)
      const err = new Error(message)
      err.name = name
      throw err
    },
    count: async ({ to }, ctx) => {
      calls.push('count')
      for (let i = 1; i <= to; i++) {
        ctx.onProgress(i)
        await new Promise(resolve => setTimeout(resolve, 0))
      }
      return `counted to ${to}`
    },
    wait: async ({ tag }, ctx) => {
      calls.push('wait')
      const done = deferred<string>()
      const entry = { signal: ctx.signal, finish: done.resolve }
      waiting.set(tag, entry)
      waiter(tag).resolve(entry)
      ctx.signal.addEventListener('abort', () => { done.reject(ctx.signal.reason) }, { once: true })
      return await done.promise
    },
    delay: async ({ ms, value }) => {
      calls.push('delay')
      await new Promise(resolve => setTimeout(resolve, ms))
      return value
    },
    stream: async ({ chunks }) => {
      calls.push('stream')
      const stream = new ReadableStream<string>({
        start (controller) {
          for (const c of chunks) controller.enqueue(c)
          controller.close()
        }
      })
      return transfer(stream, [stream as unknown as Transferable])
    },
    uncloneable: async () => {
      calls.push('uncloneable')
      return { fn: () => {} }
    }
  }
  const server = serveRpc<TestMethods, TestEvent>(port2 as unknown as MessagePort, handlers, serverLock)
  const events: TestEvent[] = []
  const client = new RpcClient<TestMethods, TestEvent>(port1 as unknown as MessagePort, e => { events.push(e) })
  const rig: Rig = { client, server, serverLock, releaseServerLock, events, waiting, started: async tag => await waiter(tag).promise, calls }
  rigs.push(rig)
  return rig
}

afterEach(() => {
  for (const rig of rigs.splice(0)) {
    rig.client.close()
    rig.server.dispose()
    rig.releaseServerLock()
  }
})

describe('the test lock polyfill', () => {
  it('grants an exclusive lock to one holder at a time, in order', async () => {
    const order: string[] = []
    const first = deferred()
    const a = navigator.locks.request('poly:x', async () => { order.push('a start'); await first.promise; order.push('a end') })
    const b = navigator.locks.request('poly:x', async () => { order.push('b') })
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(order).toEqual(['a start'])
    first.resolve()
    await Promise.all([a, b])
    expect(order).toEqual(['a start', 'a end', 'b'])
  })

  it('grants shared locks together and makes exclusive wait for them', async () => {
    const release = deferred()
    const active: string[] = []
    const s1 = navigator.locks.request('poly:s', { mode: 'shared' }, async () => { active.push('s1'); await release.promise })
    const s2 = navigator.locks.request('poly:s', { mode: 'shared' }, async () => { active.push('s2'); await release.promise })
    const ex = navigator.locks.request('poly:s', async () => { active.push('ex') })
    await new Promise(resolve => setTimeout(resolve, 10))
    expect(active).toEqual(['s1', 's2'])
    release.resolve()
    await Promise.all([s1, s2, ex])
    expect(active).toEqual(['s1', 's2', 'ex'])
  })

  it('rejects a waiting request whose signal aborts, and releases on callback error', async () => {
    const release = await holdTestLock('poly:a')
    const controller = new AbortController()
    const waiting = navigator.locks.request('poly:a', { signal: controller.signal }, async () => 'granted')
    controller.abort()
    expect((await rejectionOf(waiting)).name).toBe('AbortError')
    release()
    const failing = navigator.locks.request('poly:a', async () => { throw new Error('cb failed') })
    expect((await rejectionOf(failing)).message).toBe('cb failed')
    expect(await navigator.locks.request('poly:a', async () => 'free again')).toBe('free again')
  })
})

describe('RpcClient and serveRpc', () => {
  it('returns a handler result', async () => {
    const { client } = await makeRig()
    expect(await client.call('add', { a: 2, b: 40 })).toBe(42)
  })

  it('passes arguments and results by structured clone', async () => {
    const { client } = await makeRig()
    const args = { text: 'héllo <script>', n: [1, 2, 3], when: new Date(0), bytes: new Uint8Array([1, 2, 255]), map: new Map([['k', 1]]), nested: { deep: null } }
    const out = await client.call('echo', args)
    expect(out).toEqual(args)
    expect(out).not.toBe(args)
  })

  it('matches concurrent results to their calls', async () => {
    const { client } = await makeRig()
    const results = await Promise.all([
      client.call('delay', { ms: 30, value: 'slow' }),
      client.call('delay', { ms: 1, value: 'fast' }),
      client.call('add', { a: 1, b: 1 })
    ])
    expect(results).toEqual(['slow', 'fast', 2])
  })

  it('rejects with an error of the same name and message as the handler threw', async () => {
    const { client } = await makeRig()
    const err = await rejectionOf(client.call('fail', { name: 'NotFoundError', message: 'no such block' }))
    expect(err).toBeInstanceOf(Error)
    expect(err.name).toBe('NotFoundError')
    expect(err.message).toBe('no such block')
    const custom = await rejectionOf(client.call('fail', { name: 'QuotaExceededError', message: 'full' }))
    expect(custom.name).toBe('QuotaExceededError')
    expect(custom.message).toBe('full')
  })

  it('rejects an unknown method with a TypeError naming it', async () => {
    const { client } = await makeRig()
    const err = await rejectionOf((client as unknown as RpcClient<any>).call('nosuch', {}))
    expect(err.name).toBe('TypeError')
    expect(err.message).toBe('Unknown method nosuch')
  })

  it('rejects a result that cannot be cloned instead of hanging', async () => {
    const { client } = await makeRig()
    const err = await rejectionOf(client.call('uncloneable', null, { timeout: 2000 }))
    expect(err.name).toBe('DataCloneError')
    expect(await client.call('add', { a: 1, b: 1 })).toBe(2)
  })

  it('rejects arguments that cannot be cloned without reaching the server', async () => {
    const rig = await makeRig()
    const err = await rejectionOf(rig.client.call('echo', { f: Symbol('x') }))
    expect(err.name).toBe('DataCloneError')
    expect(await rig.client.call('add', { a: 1, b: 1 })).toBe(2)
    expect(rig.calls).toEqual(['add'])
  })

  it('delivers progress events in order, all before the result', async () => {
    const { client } = await makeRig()
    const seen: Array<number | string> = []
    const result = await client.call('count', { to: 5 }, { onProgress: n => { seen.push(n) } }).then(r => { seen.push(r); return r })
    expect(result).toBe('counted to 5')
    expect(seen).toEqual([1, 2, 3, 4, 5, 'counted to 5'])
  })

  it('keeps progress of concurrent calls apart', async () => {
    const { client } = await makeRig()
    const a: number[] = []
    const b: number[] = []
    await Promise.all([
      client.call('count', { to: 3 }, { onProgress: n => { a.push(n) } }),
      client.call('count', { to: 4 }, { onProgress: n => { b.push(n) } })
    ])
    expect(a).toEqual([1, 2, 3])
    expect(b).toEqual([1, 2, 3, 4])
  })

  it('aborting the signal rejects with AbortError and aborts the handler', async () => {
    const rig = await makeRig()
    const controller = new AbortController()
    const pending = rig.client.call('wait', { tag: 'abort-me' }, { signal: controller.signal })
    const handler = await rig.started('abort-me')
    expect(handler.signal.aborted).toBe(false)
    const handlerAborted = new Promise<unknown>(resolve => { handler.signal.addEventListener('abort', () => { resolve(handler.signal.reason) }) })
    controller.abort()
    const err = await rejectionOf(pending)
    expect(err.name).toBe('AbortError')
    expect(err).toBeInstanceOf(AbortError)
    const reason = await handlerAborted
    expect(handler.signal.aborted).toBe(true)
    expect((reason as Error).name).toBe('AbortError')
    // The connection still works afterwards.
    expect(await rig.client.call('add', { a: 1, b: 2 })).toBe(3)
  })

  it('ignores a result that arrives after the call was aborted', async () => {
    const rig = await makeRig()
    const controller = new AbortController()
    const pending = rig.client.call('delay', { ms: 20, value: 'late' }, { signal: controller.signal })
    controller.abort()
    expect((await rejectionOf(pending)).name).toBe('AbortError')
    await new Promise(resolve => setTimeout(resolve, 40))
    expect(await rig.client.call('add', { a: 0, b: 0 })).toBe(0)
  })

  it('rejects at once, without calling the handler, when the signal is already aborted', async () => {
    const rig = await makeRig()
    const err = await rejectionOf(rig.client.call('add', { a: 1, b: 1 }, { signal: AbortSignal.abort() }))
    expect(err.name).toBe('AbortError')
    expect(await rig.client.call('echo', 'after')).toBe('after')
    expect(rig.calls).toEqual(['echo'])
  })

  it('rejects with TimeoutError after the timeout and cancels the handler', async () => {
    const rig = await makeRig()
    const started = Date.now()
    const pending = rig.client.call('wait', { tag: 'slow' }, { timeout: 50 })
    const handler = await rig.started('slow')
    const err = await rejectionOf(pending)
    expect(err.name).toBe('TimeoutError')
    expect(err).toBeInstanceOf(TimeoutError)
    expect(err.message).toMatch(/^wait did not answer within/)
    expect(Date.now() - started).toBeGreaterThanOrEqual(45)
    await vi.waitFor(() => { expect(handler.signal.aborted).toBe(true) }, { timeout: 1000, interval: 5 })
  })

  it('does not time out a call that answers in time', async () => {
    const { client } = await makeRig()
    expect(await client.call('delay', { ms: 5, value: 'ok' }, { timeout: 1000 })).toBe('ok')
  })

  it('close() rejects every pending call with NodeGoneError, and later calls too', async () => {
    const rig = await makeRig()
    const a = rig.client.call('wait', { tag: 'a' })
    const b = rig.client.call('wait', { tag: 'b' })
    await rig.started('a')
    await rig.started('b')
    rig.client.close()
    for (const err of await Promise.all([rejectionOf(a), rejectionOf(b)])) {
      expect(err).toBeInstanceOf(NodeGoneError)
      expect(err.name).toBe('NodeGoneError')
    }
    const later = await rejectionOf(rig.client.call('add', { a: 1, b: 1 }))
    expect(later.name).toBe('NodeGoneError')
  })

  it('close(reason) rejects with the given reason', async () => {
    const rig = await makeRig()
    const pending = rig.client.call('wait', { tag: 'r' })
    await rig.started('r')
    const reason = new NodeGoneError('worker crashed')
    rig.client.close(reason)
    expect(await rejectionOf(pending)).toBe(reason)
    rig.client.close(new Error('second close is ignored'))
    expect(await rejectionOf(rig.client.call('add', { a: 1, b: 1 }))).toBe(reason)
  })

  it('server emit() reaches the client onEvent, in order', async () => {
    const rig = await makeRig()
    rig.server.emit({ type: 'peer', n: 1 })
    rig.server.emit({ type: 'peer', n: 2 })
    rig.server.emit({ type: 'stats', n: 3 })
    await vi.waitFor(() => { expect(rig.events).toHaveLength(3) }, { timeout: 1000, interval: 5 })
    expect(rig.events).toEqual([{ type: 'peer', n: 1 }, { type: 'peer', n: 2 }, { type: 'stats', n: 3 }])
  })

  it('transfers a ReadableStream result', async () => {
    const { client } = await makeRig()
    const stream = await client.call('stream', { chunks: ['a', 'bc', 'déf'] })
    expect(stream).toBeInstanceOf(ReadableStream)
    const got: string[] = []
    const reader = stream.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      got.push(value)
    }
    expect(got).toEqual(['a', 'bc', 'déf'])
  })

  it('when the client lock is released, the server closes and aborts the running handler', async () => {
    const rig = await makeRig()
    let closed = false
    void rig.server.closed.then(() => { closed = true })
    const pending = rig.client.call('wait', { tag: 'orphan' })
    const handler = await rig.started('orphan')
    // The server watches the client's lock only after the hello; wait for that.
    await waitUntilWatched('pollen:rpc:client:', true)
    expect(closed).toBe(false)
    rig.client.close() // releases the client's lock, as a closed tab would
    expect((await rejectionOf(pending)).name).toBe('NodeGoneError')
    await rig.server.closed
    expect(closed).toBe(true)
    expect(handler.signal.aborted).toBe(true)
    expect((handler.signal.reason as Error).name).toBe('AbortError')
  })

  it('when the server lock is released, the client closes with NodeGoneError', async () => {
    const rig = await makeRig()
    const pending = rig.client.call('wait', { tag: 'server-gone' })
    await rig.started('server-gone')
    await waitUntilWatched(rig.serverLock)
    rig.releaseServerLock() // the worker died
    const err = await rejectionOf(pending)
    expect(err).toBeInstanceOf(NodeGoneError)
    expect(err.message).toBe('The node stopped; reload the page to start it again')
    const later = await rejectionOf(rig.client.call('add', { a: 1, b: 1 }))
    expect(later).toBe(err)
  })

  it('server dispose() resolves closed and aborts running handlers', async () => {
    const rig = await makeRig()
    void rig.client.call('wait', { tag: 'disposed' }).catch(() => {})
    const handler = await rig.started('disposed')
    rig.server.dispose()
    await rig.server.closed
    expect(handler.signal.aborted).toBe(true)
    expect((handler.signal.reason as Error).name).toBe('AbortError')
  })

  it('client.close() releases the client lock, so nothing stays held', async () => {
    const rig = await makeRig()
    await waitUntilWatched('pollen:rpc:client:', true)
    // The lock the server waits on is this client's lock.
    const name = (await navigator.locks.query()).pending!.map(l => l.name!).filter(n => n.startsWith('pollen:rpc:client:')).at(-1)!
    expect((await navigator.locks.query()).held).toContainEqual({ name, mode: 'exclusive' })
    rig.client.close()
    await rig.server.closed
    await vi.waitFor(async () => {
      const { held, pending } = await navigator.locks.query()
      expect(held!.map(l => l.name)).not.toContain(name)
      expect(pending!.map(l => l.name)).not.toContain(name)
    }, { timeout: 1000, interval: 5 })
  })

  // KNOWN BUG (see report): the client's lock is granted asynchronously; close() called
  // before that finds no release function, and the lock stays held for good.
  it('close() right after construction still releases the client lock', async () => {
    const { port1, port2 } = new MessageChannel()
    const client = new RpcClient(port1 as unknown as MessagePort)
    client.close()
    port2.close()
    await new Promise(resolve => setTimeout(resolve, 20))
    const { held } = await navigator.locks.query()
    expect(held!.filter(l => l.name?.startsWith('pollen:rpc:client:'))).toEqual([])
  })
})

describe('holdServerLock', () => {
  it('returns a pollen:rpc:server: lock name it holds exclusively', async () => {
    const name = await holdServerLock()
    expect(name).toMatch(/^pollen:rpc:server:[0-9a-f-]{36}$/)
    const { held } = await locks().query()
    expect(held).toContainEqual({ name, mode: 'exclusive' })
    const other = await holdServerLock()
    expect(other).not.toBe(name)
  })
})
