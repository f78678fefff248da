/**
 * Performing a request inside Chromium, as a page of the origin it names:
 * the page's fetch() goes to that origin's service worker (Pollen's gateway),
 * and the answer is what the worker answered. A page sees a redirect only as
 * an opaque response, so redirects are read from the DevTools protocol,
 * which reports the worker's response (status and headers) before the
 * browser follows it. An origin whose every navigation redirects (an IPNS
 * key in a non-canonical spelling) keeps no page open: its requests are
 * navigations, answered with the redirect.
 */
import type { BrowserContext, CDPSession, Page } from '@playwright/test'
import type { ReplayRequest, ReplayResponse } from './replay-proxy.ts'

/** Pages kept open at once; the oldest closes when another origin needs one. */
export const DEFAULT_OPEN_PAGES = 6
/** The header that tells the DevTools events of one replayed request from the others. */
const REPLAY_ID = 'x-pollen-replay'
/** A path no fixture has: the page an origin is opened at is a 404 page of Pollen's own, never content that could navigate away. */
const ORIGIN_PAGE_PATH = '/.well-known/pollen-conformance-replay'
const REDIRECT_EVENT_TIMEOUT_MS = 10_000

interface Redirect { status: number, statusText: string, headers: Array<[string, string]> }

interface PageAnswer {
  redirect: boolean
  status: number
  statusText: string
  headers: Array<[string, string]>
  body: string
}

/** One page of one origin, with the redirects its DevTools session saw. */
class OriginPage {
  private readonly requestIds = new Map<string, string>()
  private readonly redirects = new Map<string, Redirect>()
  private readonly waiting = new Map<string, () => void>()
  private next = 0

  /** The origin sends every navigation elsewhere (a root spelt another way): no page of it can stay open. */
  private redirectsAway = false

  private constructor (readonly page: Page, cdp: CDPSession) {
    cdp.on('Network.requestWillBeSent', event => {
      const id = Object.entries(event.request.headers).find(([name]) => name.toLowerCase() === REPLAY_ID)?.[1]
      if (id != null) this.requestIds.set(event.requestId, id)
      const replayId = this.requestIds.get(event.requestId)
      if (event.redirectResponse == null || replayId == null) return
      const headers = Object.entries(event.redirectResponse.headers).flatMap(([name, value]) => value.split('\n').map((v): [string, string] => [name, v]))
      this.redirects.set(replayId, { status: event.redirectResponse.status, statusText: event.redirectResponse.statusText, headers })
      this.waiting.get(replayId)?.()
    })
  }

  static async open (context: BrowserContext, origin: string): Promise<OriginPage> {
    const page = await context.newPage()
    const cdp = await context.newCDPSession(page)
    await cdp.send('Network.enable')
    const opened = new OriginPage(page, cdp)
    await page.goto(`${origin}${ORIGIN_PAGE_PATH}`)
    if (new URL(page.url()).origin !== origin) {
      opened.redirectsAway = true
      return opened
    }
    // A content origin's first visit is its boot document, which connects the node and reloads.
    await page.waitForFunction(() => navigator.serviceWorker.controller != null && document.getElementById('boot') == null, undefined, { timeout: 120_000 })
    return opened
  }

  async perform (request: ReplayRequest): Promise<ReplayResponse> {
    if (this.redirectsAway) return await this.navigate(request)
    const id = String(++this.next)
    const answer: PageAnswer = await this.page.evaluate(async ({ url, method, headers, body }) => {
      const response = await fetch(url, { method, headers, body: body == null ? undefined : Uint8Array.from(atob(body), c => c.charCodeAt(0)), redirect: 'manual', cache: 'no-store' })
      if (response.type === 'opaqueredirect') return { redirect: true, status: 0, statusText: '', headers: [], body: '' }
      const bytes = new Uint8Array(await response.arrayBuffer())
      let binary = ''
      for (let i = 0; i < bytes.byteLength; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
      const answered: Array<[string, string]> = []
      response.headers.forEach((value, name) => { answered.push([name, value]) })
      return { redirect: false, status: response.status, statusText: response.statusText, headers: answered, body: btoa(binary) }
    }, { url: request.url, method: request.method, headers: [...request.headers, [REPLAY_ID, id]] as Array<[string, string]>, body: request.body?.toString('base64') })
    if (!answer.redirect) return { status: answer.status, statusText: answer.statusText, headers: answer.headers, body: Buffer.from(answer.body, 'base64') }
    const redirect = await this.redirectFor(id)
    return { ...redirect, body: Buffer.alloc(0) }
  }

  /**
   * A request to an origin that redirects every navigation: performed as a
   * navigation (GET, no headers of the suite's), answered with the first
   * response, the redirect, as whatever answered the origin sent it.
   */
  private async navigate (request: ReplayRequest): Promise<ReplayResponse> {
    if (request.method !== 'GET') throw new Error(`${request.url} redirects every navigation; only GET can be replayed there`)
    const final = await this.page.goto(request.url)
    let first = final?.request()
    while (first?.redirectedFrom() != null) first = first.redirectedFrom()!
    const response = await first?.response()
    if (response == null) throw new Error(`navigating to ${request.url} gave no response`)
    const redirected = response.status() >= 300 && response.status() < 400
    return {
      status: response.status(),
      statusText: response.statusText(),
      headers: (await response.headersArray()).map(({ name, value }): [string, string] => [name, value]),
      body: redirected ? Buffer.alloc(0) : await response.body()
    }
  }

  private async redirectFor (id: string): Promise<Redirect> {
    if (!this.redirects.has(id)) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => { reject(new Error(`the DevTools protocol reported no redirect response for request ${id}`)) }, REDIRECT_EVENT_TIMEOUT_MS)
        this.waiting.set(id, () => { clearTimeout(timer); resolve() })
      })
    }
    const redirect = this.redirects.get(id)!
    this.redirects.delete(id)
    this.waiting.delete(id)
    return redirect
  }
}

/** The pages of one browser context (one Pollen), one per origin, opened as requests need them. */
export class BrowserReplay {
  private readonly pages = new Map<string, Promise<OriginPage>>()

  constructor (private readonly context: BrowserContext, private readonly openPages = DEFAULT_OPEN_PAGES) {}

  async perform (request: ReplayRequest): Promise<ReplayResponse> {
    const page = await this.pageFor(new URL(request.url).origin)
    return await page.perform(request)
  }

  private async pageFor (origin: string): Promise<OriginPage> {
    let page = this.pages.get(origin)
    if (page == null) {
      page = OriginPage.open(this.context, origin)
      page.catch(() => { this.pages.delete(origin) })
      this.pages.set(origin, page)
      if (this.pages.size > this.openPages) {
        const [oldest, closing] = this.pages.entries().next().value!
        this.pages.delete(oldest)
        void closing.then(async ({ page }) => { await page.close() }, () => {})
      }
    } else {
      // Most recently used last.
      this.pages.delete(origin)
      this.pages.set(origin, page)
    }
    return await page
  }
}
