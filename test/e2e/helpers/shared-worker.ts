/**
 * Talks to targets Playwright has no handle for (the node's SharedWorker, the
 * window of an installed app) through the DevTools protocol: the
 * browser-level CDP session attaches to the target and relays commands to it.
 */
import type { Browser, CDPSession, Page } from '@playwright/test'

interface TargetInfo { targetId: string, type: string, url: string, browserContextId?: string }

/** A DevTools session with one target (a page, a worker), through the browser-level session: for targets Playwright has no handle for. */
export class TargetSession {
  private nextId = 1
  private readonly waiting = new Map<number, (result: any) => void>()

  protected constructor (private readonly cdp: CDPSession, private readonly sessionId: string) {
    cdp.on('Target.receivedMessageFromTarget', (event: { sessionId: string, message: string }) => {
      if (event.sessionId !== this.sessionId) return
      const msg = JSON.parse(event.message)
      if (msg.id != null) this.waiting.get(msg.id)?.(msg.error ?? msg.result)
    })
  }

  static async attachTo (browser: Browser, targetId: string): Promise<TargetSession> {
    const cdp = await browser.newBrowserCDPSession()
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: false }) as { sessionId: string }
    return new TargetSession(cdp, sessionId)
  }

  async send<T = any> (method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++
    const result = new Promise<T>(resolve => { this.waiting.set(id, resolve) })
    await this.cdp.send('Target.sendMessageToTarget', { sessionId: this.sessionId, message: JSON.stringify({ id, method, params }) })
    return await result
  }

  /** Evaluates an expression in the target (a page) and returns its value, awaiting a promise. */
  async evaluate<T> (expression: string): Promise<T> {
    const response = await this.send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true })
    // A protocol error (a page still loading has no context yet) comes without a result.
    if (response.result == null || response.exceptionDetails != null) throw new Error(`evaluation failed: ${JSON.stringify(response).slice(0, 300)}`)
    return response.result.value as T
  }

  async detach (): Promise<void> {
    await this.cdp.detach()
  }
}

export class SharedWorkerProbe extends TargetSession {
  static async sharedWorkers (browser: Browser): Promise<TargetInfo[]> {
    const cdp = await browser.newBrowserCDPSession()
    const { targetInfos } = await cdp.send('Target.getTargets') as { targetInfos: TargetInfo[] }
    await cdp.detach()
    return targetInfos.filter(t => t.type === 'shared_worker')
  }

  /**
   * Ends every SharedWorker, as the browser does once no page holds one (the
   * node asks for an extended lifetime, so after its last tab it would live
   * on for a while).
   */
  static async stopAll (browser: Browser): Promise<void> {
    const cdp = await browser.newBrowserCDPSession()
    try {
      for (const worker of await SharedWorkerProbe.sharedWorkers(browser)) await cdp.send('Target.closeTarget', { targetId: worker.targetId })
    } finally {
      await cdp.detach()
    }
  }

  /** Attaches to the one SharedWorker of the browser, or of `page`'s browser context when given (other specs' contexts may still be open). */
  static async attach (browser: Browser, page?: Page): Promise<SharedWorkerProbe> {
    let workers = await SharedWorkerProbe.sharedWorkers(browser)
    if (page != null) {
      const session = await page.context().newCDPSession(page)
      const { targetInfo } = await session.send('Target.getTargetInfo') as { targetInfo: TargetInfo }
      await session.detach()
      workers = workers.filter(worker => worker.browserContextId === targetInfo.browserContextId)
    }
    if (workers.length !== 1) throw new Error(`expected one shared worker, found ${workers.length}`)
    const cdp = await browser.newBrowserCDPSession()
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: workers[0].targetId, flatten: false }) as { sessionId: string }
    return new SharedWorkerProbe(cdp, sessionId)
  }

  /**
   * Bytes the worker's JavaScript holds: V8's used heap plus the backing
   * stores of ArrayBuffers (file chunks and blocks live there, outside the heap).
   */
  async memoryUsed (): Promise<number> {
    const usage = await this.send<{ usedSize: number, backingStorageSize?: number }>('Runtime.getHeapUsage')
    if (usage.backingStorageSize == null) throw new Error('this Chromium does not report ArrayBuffer backing storage')
    return usage.usedSize + usage.backingStorageSize
  }

  async collectGarbage (): Promise<void> {
    await this.send('HeapProfiler.collectGarbage')
  }

  /**
   * Samples the worker's memory every `intervalMs` from now, each time after
   * a forced garbage collection (so what is measured is what the node still
   * holds, not garbage V8 has yet to collect), until `stop` gives the
   * baseline and the peak.
   */
  async sampleMemory (intervalMs = 50): Promise<{ stop: () => Promise<{ baseline: number, peak: number }> }> {
    await this.collectGarbage()
    const baseline = await this.memoryUsed()
    let peak = baseline
    let sampling = true
    const sampler = (async () => {
      while (sampling) {
        await this.collectGarbage()
        peak = Math.max(peak, await this.memoryUsed())
        await new Promise(resolve => setTimeout(resolve, intervalMs))
      }
    })()
    return {
      stop: async () => {
        sampling = false
        await sampler
        return { baseline, peak }
      }
    }
  }
}
