/**
 * The boot documents a content origin's service worker served: the only
 * clients that may hand it a node port (content pages of the origin could
 * otherwise answer its requests through a port of their making). Most live a
 * second before they reload; a holder (src/bridge/holder.ts) stays as long as
 * its page and must still be known to a worker the browser restarted in the
 * meantime, so the list is kept in a cache as well as in memory.
 */
declare const self: ServiceWorkerGlobalScope

export const BOOT_CLIENTS_CACHE = 'pollen-boot-clients'
const LIST_URL = '/.pollen/boot-clients'
/** Boot documents remembered at once; those whose window closed go first. */
export const MAX_BOOT_CLIENTS = 16

export class BootClients {
  private readonly ids = new Set<string>()
  private readonly loaded: Promise<void>

  constructor () {
    this.loaded = this.load().catch(() => {})
  }

  /** Whether `id` is known as a boot document without waiting for the kept list (for its own requests, answered at once). */
  hasNow (id: string): boolean {
    return this.ids.has(id)
  }

  /** Whether `id` is a boot document this worker or an earlier instance of it served. */
  async has (id: string): Promise<boolean> {
    await this.loaded
    return this.ids.has(id)
  }

  /** Remembers `id` at once; the kept list follows. */
  add (id: string): void {
    this.ids.add(id)
    this.keep().catch(() => {})
  }

  private async keep (): Promise<void> {
    await this.loaded
    if (this.ids.size > MAX_BOOT_CLIENTS) {
      for (const old of this.ids) {
        if (await self.clients.get(old) == null) this.ids.delete(old)
      }
      for (const old of this.ids) {
        if (this.ids.size <= MAX_BOOT_CLIENTS) break
        this.ids.delete(old)
      }
    }
    await this.save()
  }

  private async load (): Promise<void> {
    const kept = await (await caches.open(BOOT_CLIENTS_CACHE)).match(LIST_URL)
    const ids: unknown = kept == null ? [] : await kept.json()
    if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'string') this.ids.add(id)
  }

  private async save (): Promise<void> {
    const cache = await caches.open(BOOT_CLIENTS_CACHE)
    await cache.put(LIST_URL, new Response(JSON.stringify([...this.ids]), { headers: { 'content-type': 'application/json' } }))
  }
}
