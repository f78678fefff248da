/**
 * The patches to @helia/verified-fetch and ipfs-unixfs-exporter that the
 * gateway-conformance suite showed were needed (docs/upstream/verified-fetch-gateway.md),
 * each reproduced on its own here: these fail on the unpatched packages.
 */
import { MemoryBlockstore } from 'blockstore-core'
import { exporter } from 'ipfs-unixfs-exporter'
import { UnixFS } from 'ipfs-unixfs'
import * as dagPb from '@ipld/dag-pb'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
// Internal modules of verified-fetch, reached by path: the package exports its fetch only.
import { applyRedirects } from '../../node_modules/@helia/verified-fetch/dist/src/utils/apply-redirect.js'
import { tarStream } from '../../node_modules/@helia/verified-fetch/dist/src/utils/get-tar-stream.js'
import { partialContentResponse } from '../../node_modules/@helia/verified-fetch/dist/src/utils/responses.js'

describe('ipfs-unixfs-exporter', () => {
  it('gives a symlink\'s target as its content, as many bytes as its size says', async () => {
    const blockstore = new MemoryBlockstore()
    const bytes = dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'symlink', data: new TextEncoder().encode('foo') }).marshal() }))
    const cid = CID.createV1(dagPb.code, await sha256.digest(bytes))
    await blockstore.put(cid, bytes)
    const entry = await exporter(cid, blockstore)
    if (entry.type !== 'file') throw new Error(`a symlink is exported as a file, not as ${entry.type}`)
    expect(entry.size).toBe(3n)
    const chunks: Uint8Array[] = []
    for await (const chunk of entry.content()) chunks.push(chunk as Uint8Array)
    expect(new TextDecoder().decode(Buffer.concat(chunks))).toBe('foo')
  })
})

describe('@helia/verified-fetch _redirects', () => {
  const rules = '/spa/* /index.html 200\n/gone /410.html 410\n/old /new.html\n'

  it('takes 200, 404, 410 and 451 rules as rewrites with their status, not as redirects', () => {
    const spa = applyRedirects(new URL('ipfs://bafyroot/spa/page'), rules, { redirect: 'manual' }) as unknown as { rewrite: URL, status: number }
    expect(spa.rewrite.href).toBe('ipfs://bafyroot/index.html')
    expect(spa.status).toBe(200)
    expect((applyRedirects(new URL('ipfs://bafyroot/gone'), rules, { redirect: 'manual' }) as unknown as { status: number }).status).toBe(410)
  })

  it('answers a redirect rule with the rule\'s target on the requested origin, not the resolved CID\'s', () => {
    const moved = applyRedirects(new URL('ipfs://bafyroot/old?x=1'), rules, { redirect: 'manual' }) as Response
    expect(moved.status).toBe(301)
    expect(moved.headers.get('location')).toBe('/new.html?x=1')
  })
})

describe('@helia/verified-fetch TAR', () => {
  async function put (blockstore: MemoryBlockstore, bytes: Uint8Array, code: number): Promise<CID> {
    const cid = CID.createV1(code, await sha256.digest(bytes))
    await blockstore.put(cid, bytes)
    return cid
  }
  /** A UnixFS directory whose links have the given names, as a hostile DAG may have them. */
  async function directory (blockstore: MemoryBlockstore, links: Array<[string, CID]>): Promise<CID> {
    const node = dagPb.prepare({ Data: new UnixFS({ type: 'directory' }).marshal(), Links: links.map(([Name, Hash]) => ({ Name, Hash, Tsize: 1 })) })
    return await put(blockstore, dagPb.encode(node), dagPb.code)
  }
  async function names (blockstore: MemoryBlockstore, root: CID): Promise<string[]> {
    const { extract } = await import('it-tar')
    const found: string[] = []
    for await (const entry of extract()(tarStream(`/ipfs/${root.toString()}`, blockstore, {}))) {
      found.push(entry.header.name)
      for await (const _ of entry.body) { /* drain */ }
    }
    return found
  }

  it('writes a `..` that stays inside the root as the path it leads to', async () => {
    const blockstore = new MemoryBlockstore()
    const file = await put(blockstore, new TextEncoder().encode('hello'), 0x55)
    const inner = await directory(blockstore, [['../file', file]])
    const root = await directory(blockstore, [['foobar', await directory(blockstore, [['directory', inner]])]])
    expect(await names(blockstore, root)).toContain(`${root.toString()}/foobar/file`)
  })

  it('refuses a `..` that leaves the root', async () => {
    const blockstore = new MemoryBlockstore()
    const file = await put(blockstore, new TextEncoder().encode('hello'), 0x55)
    const root = await directory(blockstore, [['../../outside', file]])
    await expect(names(blockstore, root)).rejects.toThrow(/outside the root/)
  })
})

describe('@helia/verified-fetch multi-range responses', () => {
  it('declare the Content-Length their body has (each part\'s inclusive end and closing CRLF counted)', async () => {
    const document = new TextEncoder().encode('0123456789abcdefghij')
    const getSlice = async function * (offset: bigint | number, length: bigint | number): AsyncGenerator<Uint8Array> {
      yield document.subarray(Number(offset), Number(offset) + Number(length))
    }
    const range = { ranges: [{ start: 0, end: 3 }, { start: 10, end: undefined }, { start: undefined, end: -2 }], multipartBoundary: 'pollen-boundary' }
    const response = partialContentResponse('ipfs://bafy/file', getSlice, range, document.byteLength, { headers: { 'content-type': 'text/plain' } }) as Response
    const body = new Uint8Array(await response.arrayBuffer())
    expect(response.status).toBe(206)
    expect(Number(response.headers.get('content-length'))).toBe(body.byteLength)
    expect(new TextDecoder().decode(body)).toContain('0123\r\n--pollen-boundary')
  })
})
