/**
 * Imports write blocks before they pin the root, so garbage collection must
 * not run while any import is under way. Web Locks give a readers-writer lock
 * that also holds across every context of the origin.
 */
const GC_LOCK = 'pollen:gc'

/** Runs `fn` while no garbage collection can start (many may run at once). */
export async function withoutGc<T> (fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  return await navigator.locks.request(GC_LOCK, { mode: 'shared', signal }, fn)
}

/** Runs `fn` alone: after every running import has finished, before any new one starts. */
export async function exclusiveGc<T> (fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  return await navigator.locks.request(GC_LOCK, { mode: 'exclusive', signal }, fn)
}
