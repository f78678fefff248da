import { describe, expect, it } from 'vitest'
import { dagIndexPage, directoryListingPage, errorPage } from '../../src/lib/gateway-pages.ts'
import { escapeHtml, html } from '../../src/lib/html.ts'

describe('generated HTML', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;')
    expect(html`<p title="${'"><script>'}">${'<b>'}</p>`.value).toBe('<p title="&quot;&gt;&lt;script&gt;">&lt;b&gt;</p>')
  })

  it('lists a directory with escaped names, percent-encoded links and no script, laid out as Kubo lays it out', () => {
    const page = directoryListingPage({
      namespace: 'ipfs',
      root: 'bafyroot',
      path: '/docs/%C4%85/',
      base: '',
      pathGateway: '//app.example:8080',
      directoryCid: 'bafydir',
      entries: [
        { name: '<img src=x onerror=alert(1)>', cid: 'bafkfile', size: 2048, directory: false },
        { name: 'sub dir', cid: 'bafysub', size: 0, directory: true },
        { name: 'file-źł.txt', cid: 'bafkzl', size: 3, directory: false }
      ]
    })
    expect(page).not.toMatch(/<script|<img/i)
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(page).toContain('href="/docs/%C4%85/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"')
    expect(page).toContain('<a href="/docs/%C4%85/sub%20dir">sub dir</a>')
    expect(page).toContain('<a href="/docs/%C4%85/..">..</a>')
    expect(page).toContain('/ipfs/<a href="//app.example:8080/ipfs/bafyroot">bafyroot</a>/<a href="//app.example:8080/ipfs/bafyroot/docs">docs</a>/<a href="//app.example:8080/ipfs/bafyroot/docs/%C4%85">ą</a>')
    expect(page).toContain('<a class="ipfs-hash" translate="no" href="//app.example:8080/ipfs/bafkzl?filename=file-%25C5%25BA%25C5%2582.txt">')
    expect(page).toContain('3 entries')
  })

  it('links a listing reached at //host/ on its own origin, never as a protocol-relative URL', () => {
    for (const path of ['//evil.example/', '/\\evil.example/']) {
      const page = directoryListingPage({ namespace: 'ipfs', root: 'bafyroot', path, base: '', pathGateway: '', directoryCid: 'bafydir', entries: [{ name: 'x', cid: 'bafkfile', size: 1, directory: false }] })
      expect(page).toContain('href="/evil.example/x"')
      expect(page).not.toMatch(/href="[/\\]{2}/)
    }
  })

  it('shows a DAG node as JSON whose CIDs link to the path gateway, nothing in it unescaped', () => {
    const json = JSON.stringify({ name: '<b>x</b>', link: { '/': 'bafyabc' } }, null, 2)
    const page = dagIndexPage({ title: '/ipfs/bafynode', cid: 'bafynode', json, pathGateway: '' })
    expect(page).toContain('&lt;b&gt;x&lt;/b&gt;')
    expect(page).toContain('"/": "<a href="/ipfs/bafyabc/">bafyabc</a>"')
    expect(page).not.toMatch(/<script|<b>/i)
  })

  it('writes error pages with what was tried and a retry link that needs no script', () => {
    const page = errorPage({ status: 504, title: 'Gateway timeout', explanation: ['<late>'], tried: ['peers'], retry: true })
    expect(page).toContain('&lt;late&gt;')
    expect(page).toContain('<li>peers</li>')
    expect(page).toContain('<a href="" data-testid="gateway-retry">')
    expect(page).not.toMatch(/<script/i)
  })
})
