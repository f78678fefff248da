/** What this node serves to others (the Sharing screen), and the page's title and app badge while it serves. */
import { describeError } from './errors.ts'
import { formatRate } from '../../lib/format.ts'
import type { ServingReport } from '../../lib/protocol.ts'
import type { NodeConnection } from '../node-client.ts'

interface BadgingNavigator {
  setAppBadge?: (count?: number) => Promise<void>
  clearAppBadge?: () => Promise<void>
}

export class ServingState {
  report = $state<ServingReport>()
  message = $state<string>()
  private asked = 0
  private readonly title = document.title
  private badged = false

  constructor (private readonly node: NodeConnection) {
    node.subscribe(event => {
      if (event.type === 'serving:changed' || event.type === 'files:changed') void this.refresh()
    })
    void this.refresh()
  }

  async refresh (): Promise<void> {
    const asked = ++this.asked
    try {
      const report = await this.node.client.call('serving.report', undefined)
      if (asked !== this.asked) return
      this.report = report
      this.indicate(report)
    } catch (err) {
      this.message = describeError(err)
    }
  }

  /** While peers are being served, every tab's title says so, and the installed app's badge counts them. */
  private indicate (report: ServingReport): void {
    const serving = report.activePeers
    document.title = serving > 0 ? `↑ ${formatRate(report.bytesPerSecond)} to ${serving} peer${serving === 1 ? '' : 's'} · ${this.title}` : this.title
    const badging = navigator as BadgingNavigator
    if (serving > 0) {
      this.badged = true
      void badging.setAppBadge?.(serving).catch(() => {})
    } else if (this.badged) {
      this.badged = false
      void badging.clearAppBadge?.().catch(() => {})
    }
  }
}
