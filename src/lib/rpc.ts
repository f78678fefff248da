/**
 * A small typed RPC over MessagePort, used between every pair of runtimes.
 *
 * Written by hand because no maintained library covers what the node needs all
 * at once: cancellation by AbortSignal, streamed progress per call, transferable
 * results (ReadableStreams, Files), broadcast events, and detecting that the
 * other end died (Web Locks: each side holds a lock for its lifetime and waits
 * on the other's).
 */
import { AbortError, NodeGoneError, TimeoutError, deserializeError, serializeError, type SerializedError } from './errors.ts'
import { packStreams, unpackStreams } from './port-stream.ts'

/** One method: its argument, result and progress event types. */
export interface Method<Args = unknown, Result = unknown, Progress = never> {
  args: Args
  result: Result
  progress: Progress
}

export type MethodMap = Record<string, Method<any, any, any>>

export type WireMessage =
  | { kind: 'hello', lock: string }
  | { kind: 'welcome', lock: string }
  | { kind: 'call', id: number, method: string, args: unknown }
  | { kind: 'cancel', id: number }
  | { kind: 'result', id: number, value: unknown }
  | { kind: 'error', id: number, error: SerializedError }
  | { kind: 'progress', id: number, event: unknown }
  | { kind: 'event', event: unknown }

export interface CallOptions<Progress> {
  signal?: AbortSignal
  onProgress?: (event: Progress) => void
  /** Milliseconds before the call is rejected with TimeoutError and cancelled at the other end. */
  timeout?: number
  /** Values inside `args` to transfer rather than copy (a MessagePort must be). */
  transfer?: Transferable[]
}

/** Marks values inside a result that must be transferred rather than copied. */
export class Transfer<T> {
  constructor (readonly value: T, readonly transferables: Transferable[]) {}
}

export function transfer<T> (value: T, transferables: Transferable[]): Transfer<T> {
  return new Transfer(value, transferables)
}

export interface HandlerContext<Progress> {
  signal: AbortSignal
  onProgress: (event: Progress) => void
}

export type Handlers<M extends MethodMap> = {
  [K in keyof M]: (args: M[K]['args'], ctx: HandlerContext<M[K]['progress']>) => Promise<M[K]['result'] | Transfer<M[K]['result']>>
}

const LOCK_PREFIX = 'pollen:rpc:'

export interface PeerOptions {
  /**
   * Watch the other end's Web Lock to learn when it dies (default true).
   * Locks are per origin: across origins (a content origin's service worker
   * and the node) nothing can be watched, and the ends stay unwatched.
   */
  watchPeer?: boolean
  /** Send error stacks to the other end (default true); off for ends that must not learn the node's internals. */
  revealStacks?: boolean
}

/**
 * Holds a Web Lock named `name` until `release` is called (or the context
 * dies, which is the point: the other side learns of it by waiting on it).
 */
function holdLock (name: string): Promise<() => void> {
  return new Promise(resolve => {
    void navigator.locks.request(name, async () => {
      await new Promise<void>(release => { resolve(release) })
    })
  })
}

/** Resolves when nobody holds the lock any more: the holder ended. */
async function waitForRelease (name: string, signal: AbortSignal): Promise<void> {
  try {
    await navigator.locks.request(name, { signal }, async () => {})
  } catch {
    // aborted: the watcher was stopped on purpose
  }
}

interface Pending {
  resolve: (value: any) => void
  reject: (err: Error) => void
  onProgress?: (event: any) => void
  cleanup: () => void
}

export class RpcClient<M extends MethodMap, Event = never> {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private closedWith?: Error
  private readonly stopWatching = new AbortController()
  private releaseOwnLock?: () => void

  constructor (private readonly port: MessagePort, private readonly onEvent: (event: Event) => void = () => {}, options: PeerOptions = {}) {
    port.onmessage = (e: MessageEvent<WireMessage>) => { this.receive(e.data) }
    port.start()
    if (options.watchPeer === false) return
    const lock = `${LOCK_PREFIX}client:${crypto.randomUUID()}`
    void holdLock(lock).then(release => {
      if (this.closedWith != null) {
        release()
        return
      }
      this.releaseOwnLock = release
      port.postMessage({ kind: 'hello', lock } satisfies WireMessage)
    })
  }

  call<K extends keyof M & string> (method: K, args: M[K]['args'], options: CallOptions<M[K]['progress']> = {}): Promise<M[K]['result']> {
    if (this.closedWith != null) return Promise.reject(this.closedWith)
    if (options.signal?.aborted === true) return Promise.reject(new AbortError())
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const onAbort = (): void => {
        this.port.postMessage({ kind: 'cancel', id } satisfies WireMessage)
        this.settle(id)?.reject(new AbortError())
      }
      const timer = options.timeout == null
        ? undefined
        : setTimeout(() => {
          this.port.postMessage({ kind: 'cancel', id } satisfies WireMessage)
          this.settle(id)?.reject(new TimeoutError(`${method} did not answer within ${Math.round(options.timeout! / 1000)} s`))
        }, options.timeout)
      options.signal?.addEventListener('abort', onAbort, { once: true })
      this.pending.set(id, {
        resolve,
        reject,
        onProgress: options.onProgress,
        cleanup: () => {
          clearTimeout(timer)
          options.signal?.removeEventListener('abort', onAbort)
        }
      })
      try {
        // Streams go as streams where the engine can transfer them, over ports where it cannot (port-stream.ts).
        const packed = packStreams(args, options.transfer ?? [])
        this.port.postMessage({ kind: 'call', id, method, args: packed.value } satisfies WireMessage, packed.transferables)
      } catch (err) {
        // Arguments that cannot be cloned never reach the node: forget the call here.
        this.settle(id)?.reject(err as Error)
      }
    })
  }

  /** Rejects every pending call and stops using the port. */
  close (reason: Error = new NodeGoneError('The connection to the node was closed')): void {
    if (this.closedWith != null) return
    this.closedWith = reason
    this.stopWatching.abort()
    for (const id of [...this.pending.keys()]) this.settle(id)?.reject(reason)
    this.releaseOwnLock?.()
    this.port.close()
  }

  private settle (id: number): Pending | undefined {
    const p = this.pending.get(id)
    if (p == null) return undefined
    this.pending.delete(id)
    p.cleanup()
    return p
  }

  private receive (msg: WireMessage): void {
    switch (msg.kind) {
      case 'welcome':
        void waitForRelease(msg.lock, this.stopWatching.signal).then(() => {
          if (!this.stopWatching.signal.aborted) this.close(new NodeGoneError('The node stopped; reload the page to start it again'))
        })
        break
      case 'result':
        this.settle(msg.id)?.resolve(unpackStreams(msg.value))
        break
      case 'error':
        this.settle(msg.id)?.reject(deserializeError(msg.error))
        break
      case 'progress':
        this.pending.get(msg.id)?.onProgress?.(msg.event)
        break
      case 'event':
        this.onEvent(msg.event as Event)
        break
    }
  }
}

export interface RpcServerConnection<Event> {
  emit: (event: Event) => void
  /** Resolves when the client is gone (its context ended or it closed the port). */
  closed: Promise<void>
  dispose: () => void
}

/**
 * Serves `handlers` on `port`. Calls of a client whose context ends are
 * aborted, so a closed tab releases what it held.
 */
export function serveRpc<M extends MethodMap, Event = never> (port: MessagePort, handlers: Handlers<M>, ownLock: string, options: PeerOptions = {}): RpcServerConnection<Event> {
  const running = new Map<number, AbortController>()
  const stopWatching = new AbortController()
  let markClosed: () => void = () => {}
  const closed = new Promise<void>(resolve => { markClosed = resolve })

  const dispose = (): void => {
    if (stopWatching.signal.aborted) return
    stopWatching.abort()
    for (const controller of running.values()) controller.abort(new AbortError('The tab that started this went away'))
    running.clear()
    port.close()
    markClosed()
  }

  const send = (msg: WireMessage, transferables: Transferable[] = []): void => {
    if (!stopWatching.signal.aborted) port.postMessage(msg, transferables)
  }

  const call = async (id: number, method: string, args: unknown): Promise<void> => {
    const controller = new AbortController()
    running.set(id, controller)
    try {
      // Names inherited from Object.prototype (toString, constructor…) are not methods.
      const handler = method in Object.prototype ? undefined : handlers[method as keyof M]
      if (typeof handler !== 'function') throw new TypeError(`Unknown method ${method}`)
      const out = await handler(args as any, {
        signal: controller.signal,
        onProgress: event => { send({ kind: 'progress', id, event }) }
      })
      if (out instanceof Transfer) {
        const packed = packStreams(out.value, out.transferables)
        send({ kind: 'result', id, value: packed.value }, packed.transferables)
      }
      else send({ kind: 'result', id, value: out })
    } catch (err) {
      const error = serializeError(err)
      if (options.revealStacks === false) delete error.stack
      send({ kind: 'error', id, error })
    } finally {
      running.delete(id)
    }
  }

  port.onmessage = (e: MessageEvent<WireMessage>) => {
    const msg = e.data
    // What arrives on a port is not always a wire message (a content page may send anything).
    if (typeof msg !== 'object' || msg === null) return
    switch (msg.kind) {
      case 'hello':
        if (options.watchPeer === false) break
        send({ kind: 'welcome', lock: ownLock })
        void waitForRelease(msg.lock, stopWatching.signal).then(dispose)
        break
      case 'call':
        void call(msg.id, msg.method, unpackStreams(msg.args))
        break
      case 'cancel':
        running.get(msg.id)?.abort(new AbortError())
        break
    }
  }
  port.start()

  return { emit: event => { send({ kind: 'event', event }) }, closed, dispose }
}

/** The lock a server holds for as long as its context lives. */
export async function holdServerLock (): Promise<string> {
  const name = `${LOCK_PREFIX}server:${crypto.randomUUID()}`
  await holdLock(name)
  return name
}
