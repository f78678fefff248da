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
    // A DNSLink domain not inlined, as subdomain gateways take it too.
    expect(classifyHost('docs.example.org.ipns.app.localhost')).toEqual({ kind: 'content', label: 'docs.example.org', namespace: 'ipns', root: 'docs.example.org', appHost: 'app.localhost' })
    expect(classifyHost('docs.example.org.ipns.x.ipns.app.localhost').kind).toBe('invalid')
    expect(classifyHost('not_dns.example.ipns.app.localhost').kind).toBe('invalid')
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
    expect(contentSecurityPolicy(host, '/')).toContain("frame-src 'self' app.localhost:8080;")
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

describe('the static server\'s canonical content origins', () => {
  it('sends a first visit to an IPNS key spelt as a dag-pb CID to the base36 libp2p-key label, path and query kept', async () => {
    const { startServer } = await import('../../scripts/serve.js')
    const { mkdtemp, rm } = await import('node:fs/promises')
    const { tmpdir } = await import('node:os')
    const { join } = await import('node:path')
    const { request } = await import('node:http')
    const root = await mkdtemp(join(tmpdir(), 'pollen-serve-'))
    const server = await startServer({ root })
    try {
      const dagPbLabel = 'bafybeibntr3esmzhcsgyzahm4ngw7ubvtfufvoshgu6ytozhiynglvv5oi'
      const answer = await new Promise<{ status?: number, location?: string }>((resolve, reject) => {
        request({ host: '127.0.0.1', port: server.port, path: '/a/b?c=d', headers: { host: `${dagPbLabel}.ipns.app.localhost:${server.port}` } }, res => {
          res.resume()
          resolve({ status: res.statusCode, location: res.headers.location })
        }).on('error', reject).end()
      })
      expect(answer.status).toBe(301)
      expect(answer.location).toMatch(new RegExp(`^//k[0-9a-z]+\\.ipns\\.app\\.localhost:${server.port}/a/b\\?c=d$`))
    } finally {
      await server.close()
      await rm(root, { recursive: true, force: true })
    }
  })
})
