/**
 * Roots whose pages may run on the app origin in path mode. There, content
 * shares the app's origin and could read the user's files and drive the
 * node: so HTML (and other documents that can run script) is shown only
 * from roots the user trusted, one by one, in the app. Roots are kept as
 * `canonicalRoot` spells them (/ipfs/<CIDv1 base32>, /ipns/<name>).
 */
import { Key, type Datastore } from 'interface-datastore'
import { isValidRoot } from '../lib/content-host.js'
import { canonicalRoot, parsePathRequest } from '../lib/gateway-url.ts'
import { InvalidCidError } from '../lib/errors.ts'

const TRUSTED_KEY = new Key('/pollen/gateway/trusted')

/** `/ipfs/<root>` or `/ipns/<name>` in any spelling, as canonicalRoot writes it. */
export function rootKey (path: string): string {
  const request = parsePathRequest(new URL(path, 'http://root.invalid'))
  if (request == null || !isValidRoot(request.namespace, request.root)) {
    throw new InvalidCidError(`"${path.slice(0, 200)}" is not an /ipfs/ root (a CID) or an /ipns/ root (an IPNS key or a DNS name)`)
  }
  return canonicalRoot(request.namespace, request.root)
}

export class TrustedRoots {
  private roots = new Set<string>()

  constructor (private readonly datastore: Datastore) {}

  async load (): Promise<void> {
    if (!await this.datastore.has(TRUSTED_KEY)) return
    const stored = JSON.parse(new TextDecoder().decode(await this.datastore.get(TRUSTED_KEY))) as unknown
    if (Array.isArray(stored)) this.roots = new Set(stored.filter((r): r is string => typeof r === 'string'))
  }

  /** @param root as canonicalRoot spells it */
  has (root: string): boolean {
    return this.roots.has(root)
  }

  list (): string[] {
    return [...this.roots].sort()
  }

  /** @param root `/ipfs/<root>` or `/ipns/<name>` */
  async set (root: string, trusted: boolean): Promise<string[]> {
    const key = rootKey(root)
    if (trusted) this.roots.add(key)
    else this.roots.delete(key)
    await this.datastore.put(TRUSTED_KEY, new TextEncoder().encode(JSON.stringify([...this.roots])))
    return this.list()
  }
}
