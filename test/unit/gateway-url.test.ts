import { describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha512 } from 'multiformats/hashes/sha2'
import { appOriginOf, cidLabel, ipnsLabel, parseContentHost, parsePathRequest, parseSubdomainRequest, subdomainUrl } from '../../src/lib/gateway-url.ts'
import { rootOfLabel } from '../../src/lib/content-host.js'

const V0 = 'QmdfTbBqBPQ7VNxZEYEj14VmRuZBkqFbiwReogJgS1zR1n'
const V1 = 'bafybeihkoviema7g3gxyt6la7vd5ho32ictqbilu3wnlo3rs7ewhnp7lly'
const APP = new URL('http://app.localhost:8080/')

describe('gateway URLs', () => {
  it('moves a path request to the subdomain of its CIDv1 in base32, keeping path and query', () => {
    const request = parsePathRequest(new URL(`http://app.localhost:8080/ipfs/${V0}/a%20b/c.txt?format=raw`))!
    expect(request).toEqual({ namespace: 'ipfs', root: V0, path: '/a%20b/c.txt', search: '?format=raw' })
    expect(subdomainUrl(APP, request)).toBe(`http://${CID.parse(V0).toV1().toString()}.ipfs.app.localhost:8080/a%20b/c.txt?format=raw`)
    expect(parsePathRequest(new URL(`http://app.localhost:8080/ipfs/${V1}`))!.path).toBe('/')
    expect(parsePathRequest(new URL('http://app.localhost:8080/#/files'))).toBeUndefined()
  })

  it('reads the content back from a subdomain, and the app origin from it', () => {
    const url = new URL(`http://${V1}.ipfs.app.localhost:8080/x/y.css?v=1`)
    expect(parseSubdomainRequest(url)).toEqual({ namespace: 'ipfs', root: V1, path: '/x/y.css', search: '?v=1' })
    expect(appOriginOf(url)).toBe('http://app.localhost:8080')
    expect(appOriginOf(APP)).toBeUndefined()
    expect(parseContentHost('app.localhost')).toBeUndefined()
    // A label the gateway never writes is no content origin (content-host.js calls it invalid).
    expect(parseContentHost('pollen.ipfs.example.org')).toBeUndefined()
    expect(parseContentHost('pollen.ipns.example.org')).toBeUndefined()
    expect(parseContentHost('docs-ipfs-tech.ipns.example.org')?.label).toBe('docs-ipfs-tech')
  })

  it('inlines DNSLink names in one label and reads them back', () => {
    expect(ipnsLabel('en.wikipedia-on-ipfs.org')).toBe('en-wikipedia--on--ipfs-org')
    expect(rootOfLabel('ipns', 'en-wikipedia--on--ipfs-org')).toBe('en.wikipedia-on-ipfs.org')
    expect(subdomainUrl(APP, { namespace: 'ipns', root: 'docs.ipfs.tech', path: '/', search: '' })).toBe('http://docs-ipfs-tech.ipns.app.localhost:8080/')
  })

  it('writes IPNS keys as base36 libp2p-key CIDs, which stay keys when read back', () => {
    const label = ipnsLabel('12D3KooWRBy97UB99e3J6hiPesre1MZeuNQvfan4gBziswrRJsNK')
    expect(label).toMatch(/^k51qzi5uqu5/)
    expect(rootOfLabel('ipns', label)).toBe(label)
  })

  it('refuses what cannot be a subdomain: bad CIDs, bad names, and CIDs longer than a DNS label', async () => {
    expect(() => cidLabel('not-a-cid')).toThrow(expect.objectContaining({ name: 'InvalidCidError' }))
    expect(() => ipnsLabel('no_dots_or_key')).toThrow(expect.objectContaining({ name: 'InvalidCidError' }))
    const long = CID.createV1(raw.code, await sha512.digest(new Uint8Array([1])))
    expect(() => cidLabel(long.toString())).toThrow(expect.objectContaining({ name: 'LabelTooLongError' }))
  })
})
