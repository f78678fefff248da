/** The open box: resolve a CID or path, list a folder, preview a file. */
import { ipnsPath, parseContentPath } from '../../lib/content-path.ts'
import { parseShareLink, type ShareLink } from '../../lib/share-link.ts'
import { FetchJob } from './fetch-job.svelte.ts'
import { notifyFetched } from '../notify.ts'
import { ShareOffer } from './share-offer.svelte.ts'
import { readForPreview } from '../download.ts'
import { previewKind, sniffKind, type PreviewKind } from '../preview-kind.ts'
import { describeError } from './errors.ts'
import type { ContentStat } from '../../lib/protocol.ts'
import type { NodeConnection } from '../node-client.ts'

/** Larger files are offered for download only, so a preview never fills memory. */
export const PREVIEW_LIMIT_BYTES = 64 * 1024 * 1024
/** Text previews show at most this much. */
export const TEXT_PREVIEW_BYTES = 256 * 1024
/** How much of a file is read to recognise its type. */
const SNIFF_BYTES = 8192

export class ViewerState {
  input = $state('')
  loading = $state(false)
  error = $state<string>()
  stat = $state<ContentStat>()
  name = $state('')
  kind = $state<PreviewKind>()
  previewUrl = $state<string>()
  text = $state<string>()
  /** A share link waiting for the person to agree to fetch it. */
  offer = $state<ShareOffer>()
  /** The fetch of a share link, while it runs and after. */
  fetchJob = $state<FetchJob>()
  /** Set once the viewed content was saved to the file list. */
  kept = $state(false)
  /** The /ipfs/ or /ipns/ path to open as a web page at the content's own origin. */
  pageHref = $state<string>()
  private controller?: AbortController

  constructor (private readonly node: NodeConnection) {}

  /**
   * Shows what a share link is and waits for the person's click (confirmShared):
   * nothing is dialled or fetched before. A fetch already running goes on until then.
   */
  offerShared (link: ShareLink): void {
    this.controller?.abort()
    this.loading = false
    this.clear()
    this.offer = new ShareOffer(link, this.node.client)
  }

  /** The person agreed: fetch the offered link, up to the size they agreed to. */
  async confirmShared (): Promise<void> {
    const offer = this.offer
    if (offer?.maxBytes == null) return
    this.offer = undefined
    await this.openShared(offer.link, offer.maxBytes, offer.limitFrom)
  }

  dismissShared (): void {
    this.offer = undefined
  }

  /**
   * Fetches a share link the person agreed to: the whole DAG first (sharer
   * first, then providers, then gateways), with progress, stopping at
   * `maxBytes`; then shows it from local blocks.
   */
  async openShared (link: ShareLink, maxBytes: number, limitFrom: 'link' | 'person'): Promise<void> {
    this.controller?.abort()
    this.fetchJob?.cancel()
    this.offer = undefined
    this.clear()
    this.input = `/ipfs/${link.cid}`
    const job = new FetchJob(link, maxBytes, limitFrom)
    this.fetchJob = job
    const summary = await job.run(this.node.client)
    if (summary != null) notifyFetched(link.name ?? link.cid, summary.bytes)
    if (summary == null || this.fetchJob !== job) return
    await this.open(`/ipfs/${link.cid}`, link.name, job)
  }

  /** Resumes the paused fetch shown: the blocks already here are not asked for again. */
  async resume (): Promise<void> {
    const job = this.fetchJob
    if (job == null || job.status !== 'cancelled') return
    await this.openShared(job.link, job.maxBytes, job.limitFrom)
  }

  /** Lists and pins what is being viewed, so it stays and is served to others. */
  async keep (): Promise<void> {
    if (this.stat == null) return
    try {
      await this.node.client.call('files.keep', {
        cid: this.stat.cid,
        name: this.name,
        kind: this.stat.type === 'directory' ? 'directory' : 'file',
        size: this.stat.entries?.reduce((sum, item) => sum + item.size, 0) ?? this.stat.size,
        files: this.stat.entries?.length ?? 1
      })
      this.kept = true
    } catch (err) {
      this.error = describeError(err)
    }
  }

  async open (input = this.input, name?: string, fetchJob?: FetchJob): Promise<void> {
    this.offer = undefined
    let link: ShareLink | undefined
    try {
      link = parseShareLink(input.trim())
    } catch (err) {
      this.clear()
      this.error = describeError(err)
      return
    }
    // A pasted link is offered like one opened from elsewhere: the person sees the sharer and agrees to a size.
    if (link != null) { this.offerShared(link); return }
    const ipns = ipnsPath(input)
    if (ipns != null) {
      // The gateway resolves and verifies IPNS names; the viewer reads /ipfs/ only.
      this.clear()
      this.input = input
      this.pageHref = ipns
      return
    }
    this.controller?.abort()
    if (fetchJob == null) { this.fetchJob?.cancel(); this.fetchJob = undefined }
    const controller = new AbortController()
    this.controller = controller
    this.input = input
    this.clear()
    try {
      const parsed = parseContentPath(input)
      this.loading = true
      const stat = await this.node.client.call('content.stat', { path: input }, { signal: controller.signal })
      if (controller.signal.aborted) return
      this.stat = stat
      this.pageHref = stat.path
      this.name = name ?? parsed.segments.at(-1) ?? stat.cid
      if (stat.type !== 'directory') await this.preview(stat)
    } catch (err) {
      if (!controller.signal.aborted) this.error = describeError(err)
    } finally {
      if (this.controller === controller) this.loading = false
    }
  }

  cancel (): void {
    this.controller?.abort()
    this.fetchJob?.cancel()
    this.loading = false
  }

  private async preview (stat: ContentStat): Promise<void> {
    const guess = previewKind(this.name)
    this.kind = guess
    if (stat.size > PREVIEW_LIMIT_BYTES) return
    const bytes = await readForPreview(this.node.client, stat.path, guess.mime)
    const kind = sniffKind(new Uint8Array(await bytes.slice(0, SNIFF_BYTES).arrayBuffer()), guess)
    this.kind = kind
    if (kind.type === 'none') return
    const blob = kind.mime === guess.mime ? bytes : new Blob([bytes], { type: kind.mime })
    if (kind.type === 'text') {
      this.text = new TextDecoder().decode(await blob.slice(0, TEXT_PREVIEW_BYTES).arrayBuffer())
    } else {
      this.previewUrl = URL.createObjectURL(blob)
    }
  }

  private clear (): void {
    if (this.previewUrl != null) URL.revokeObjectURL(this.previewUrl)
    this.previewUrl = undefined
    this.text = undefined
    this.stat = undefined
    this.kind = undefined
    this.error = undefined
    this.kept = false
    this.pageHref = undefined
  }
}
