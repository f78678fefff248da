/**
 * Roots whose pages may run on the app origin in path mode. There, content
 * shares the app's origin and could read the user's files and drive the
 * node: so HTML (and other documents that can run script) is shown only
 * from roots the user trusted, one by one, in the app.
 */
import { Key, type Datastore } from 'interface-datastore'
import { CID } from 'multiformats/cid'

const TRUSTED_KEY = new Key('/pollen/gateway/trusted')

/** One spelling per root: a CID as CIDv1 in base32, a name as it is. */
export function normaliseRoot (root: string): string {
  try {
    return CID.parse(root).toV1().toString()
  } catch {
    return root.toLowerCase()
  }
}

export class TrustedRoots {
  private roots = new Set<string>()

  constructor (private readonly datastore: Datastore) {}

  async load (): Promise<void> {
    if (!await this.datastore.has(TRUSTED_KEY)) return
    const stored = JSON.parse(new TextDecoder().decode(await this.datastore.get(TRUSTED_KEY))) as unknown
    if (Array.isArray(stored)) this.roots = new Set(stored.filter((r): r is string => typeof r === 'string'))
  }

  has (root: string): boolean {
    return this.roots.has(normaliseRoot(root))
  }

  list (): string[] {
    return [...this.roots].sort()
  }

  async set (root: string, trusted: boolean): Promise<string[]> {
    const key = normaliseRoot(root)
    if (trusted) this.roots.add(key)
    else this.roots.delete(key)
    await this.datastore.put(TRUSTED_KEY, new TextEncoder().encode(JSON.stringify([...this.roots])))
    return this.list()
  }
}
