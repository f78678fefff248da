/**
 * The one host parser (src/lib/content-host.js) that the static server, the
 * service workers, the boot document and the bridge share.
 */
import { describe, expect, it } from 'vitest'
import { classifyHost, isDnsName, isIpnsRoot, parseHostHeader, protocolLinkPath } from '../../src/lib/content-host.js'
import { contentSecurityPolicy, requestHost } from '../../scripts/serve.js'

const CID_LABEL = 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi'

describe('classifyHost', () => {
  it('tells the app host, content origins and look-alikes apart', () => {
    expect(classifyHost('app.localhost')).toEqual({ kind: 'app' })
    expect(classifyHost(`${CID_LABEL}.ipfs.app.localhost`)).toEqual({ kind: 'content', label: CID_LABEL, namespace: 'ipfs', root: CID_LABEL, appHost: 'app.localhost' })
    expect(classifyHost('docs-ipfs-tech.ipns.app.localhost')).toEqual(expect.objectContaining({ kind: 'content', root: 'docs.ipfs.tech' }))
  })

  it('calls a label the gateway never writes invalid, not the app origin', () => {
    expect(classifyHost('notacid.ipfs.app.localhost').kind).toBe('invalid')
    expect(classifyHost('nodash.ipns.app.localhost').kind).toBe('invalid')
    expect(classifyHost('-bad-.ipns.app.localhost').kind).toBe('invalid')
    expect(classifyHost('.ipfs.app.localhost').kind).toBe('invalid')
  })

  it('refuses a content host nested in another', () => {
    expect(classifyHost(`${CID_LABEL}.ipfs.${CID_LABEL}.ipfs.app.localhost`).kind).toBe('invalid')
    expect(classifyHost(`${CID_LABEL}.ipfs.docs-ipfs-tech.ipns.app.localhost`).kind).toBe('invalid')
  })
})

describe('names', () => {
  it('takes DNS names of [a-z0-9-] labels and IPNS keys as /ipns/ roots, nothing else', () => {
    expect(isDnsName('docs.ipfs.tech')).toBe(true)
    expect(isIpnsRoot('k51qzi5uqu5dlvj2baxnqndepeb86cbk3ng7n3i46uzyxzyqj2xjonzllnv0v8')).toBe(true)
    for (const bad of ['docs.ipfs.tech@evil.example', 'localhost', 'a..b', 'evil.example/x', 'a_b.example', 'x.-a.example', '']) {
      expect(isIpnsRoot(bad), bad).toBe(false)
    }
  })
})

describe('the static server\'s use of it', () => {
  it('reads only plain host names from the Host header', () => {
    expect(parseHostHeader('app.localhost:8080')).toEqual({ hostname: 'app.localhost', port: '8080' })
    expect(parseHostHeader('[::1]:8080')).toEqual({ hostname: '[::1]', port: '8080' })
    expect(parseHostHeader("x.ipfs.evil.example; script-src 'unsafe-inline'")).toBeUndefined()
    expect(requestHost('a b')).toBeUndefined()
  })

  it('builds the content origin\'s frame-src from the parsed app host, never from the raw header', () => {
    const host = requestHost(`${CID_LABEL}.ipfs.app.localhost:8080`)!
    expect(contentSecurityPolicy(host, '/')).toContain('frame-src app.localhost:8080;')
    expect(contentSecurityPolicy(requestHost('app.localhost:8080')!, '/bridge.html')).toContain('frame-ancestors *.ipfs.app.localhost:8080 *.ipns.app.localhost:8080')
    expect(requestHost('notacid.ipfs.app.localhost:8080')?.kind).toBe('invalid')
  })
})

describe('protocolLinkPath', () => {
  it('turns ipfs:// and ipns:// links with a real root into gateway paths, and nothing else', () => {
    expect(protocolLinkPath(`ipfs://${CID_LABEL}/a/b.txt?x=1`)).toBe(`/ipfs/${CID_LABEL}/a/b.txt?x=1`)
    expect(protocolLinkPath('ipns://docs.ipfs.tech')).toBe('/ipns/docs.ipfs.tech/')
    for (const bad of ['https://example.com/', 'ipfs://notacid/', 'ipns://docs.ipfs.tech@evil.example/', 'ipns://user:pw@docs.ipfs.tech/', 'ipfs://', 'not a url']) {
      expect(protocolLinkPath(bad), bad).toBeUndefined()
    }
  })
})
