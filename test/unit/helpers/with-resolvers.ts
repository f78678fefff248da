/**
 * Promise.withResolvers (ES2024), which browsers and Node.js 22 have but
 * Node.js 20 (this project's minimum, which runs the unit tests) lacks: js-libp2p
 * and the node's blockstore use it. Importing this module installs it.
 */
if (typeof Promise.withResolvers === 'undefined') {
  Object.defineProperty(Promise, 'withResolvers', {
    configurable: true,
    writable: true,
    value: function withResolvers<T> (): PromiseWithResolvers<T> {
      let resolve!: (value: T | PromiseLike<T>) => void
      let reject!: (reason?: unknown) => void
      const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
      return { promise, resolve, reject }
    }
  })
}
