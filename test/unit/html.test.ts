import { describe, expect, it } from 'vitest'
import { directoryListingPage, errorPage } from '../../src/lib/gateway-pages.ts'
import { escapeHtml, html } from '../../src/lib/html.ts'

describe('generated HTML', () => {
  it('escapes every interpolated value, in text and in attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;')
    expect(html`<p title="${'"><script>'}">${'<b>'}</p>`.value).toBe('<p title="&quot;&gt;&lt;script&gt;">&lt;b&gt;</p>')
  })

  it('lists a directory with escaped names, percent-encoded links and no script', () => {
    const page = directoryListingPage('/ipfs/bafy/docs/', '/docs/', 'bafydir', [
      { name: '<img src=x onerror=alert(1)>', cid: 'bafkfile', size: 2048, directory: false },
      { name: 'sub dir', cid: 'bafysub', size: 0, directory: true }
    ])
    expect(page).not.toMatch(/<script|<img/i)
    expect(page).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(page).toContain('href="/docs/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E"')
    expect(page).toContain('href="/docs/sub%20dir/"')
    expect(page).toContain('href="/">..</a>')
    expect(page).toContain('2 entries')
  })

  it('links a listing reached at //host/ on its own origin, never as a protocol-relative URL', () => {
    for (const path of ['//evil.example/', '/\\evil.example/']) {
      const page = directoryListingPage('t', path, 'bafydir', [{ name: 'x', cid: 'bafkfile', size: 1, directory: false }])
      expect(page).toContain('href="/evil.example/x"')
      expect(page).not.toMatch(/href="[/\\]{2}/)
    }
  })

  it('writes error pages with what was tried and a retry link that needs no script', () => {
    const page = errorPage({ status: 504, title: 'Gateway timeout', explanation: ['<late>'], tried: ['peers'], retry: true })
    expect(page).toContain('&lt;late&gt;')
    expect(page).toContain('<li>peers</li>')
    expect(page).toContain('<a href="" data-testid="gateway-retry">')
    expect(page).not.toMatch(/<script/i)
  })
})
