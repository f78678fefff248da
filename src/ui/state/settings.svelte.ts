/** Editing the node's lists of peers and endpoints. */
import { validateEntry, validateFetchTimeout, type ConfigList, type GatewayMode, type NodeConfig } from '../../lib/config.ts'
import { describeError } from './errors.ts'
import type { ConfigState } from '../../lib/protocol.ts'
import type { NodeConnection } from '../node-client.ts'

export class SettingsState {
  state = $state<ConfigState>()
  errors = $state<Partial<Record<ConfigList | 'options', string>>>({})
  saving = $state(false)
  /** Roots whose pages may run on the app origin in path mode. */
  trusted = $state<string[]>([])

  constructor (private readonly node: NodeConnection) {
    node.subscribe(event => {
      if (event.type === 'config:changed' || event.type === 'trusted:changed') void this.load()
    })
    void this.load()
  }

  async load (): Promise<void> {
    this.state = await this.node.client.call('config.get', undefined)
    this.trusted = await this.node.client.call('gateway.trusted', undefined)
  }

  async trust (root: string, trusted: boolean): Promise<void> {
    this.trusted = await this.node.client.call('gateway.trust', { root, trusted })
  }

  /** Adds an entry; returns false (with the reason shown) when it is refused. */
  async add (list: ConfigList, value: string): Promise<boolean> {
    if (this.state == null) return false
    let entry: string
    try {
      entry = validateEntry(list, value)
    } catch (err) {
      this.errors[list] = describeError(err)
      return false
    }
    if (this.state.config[list].includes(entry)) {
      this.errors[list] = 'That entry is already in the list.'
      return false
    }
    const config = $state.snapshot(this.state.config)
    return await this.save(list, { ...config, [list]: [...config[list], entry] })
  }

  async remove (list: ConfigList, entry: string): Promise<void> {
    if (this.state == null) return
    const config = $state.snapshot(this.state.config)
    await this.save(list, { ...config, [list]: config[list].filter(e => e !== entry) })
  }

  /** Changes the fetch timeout or the DHT setting; returns false (with the reason shown) when refused. */
  async setOptions (options: { fetchTimeoutSeconds?: unknown, dhtAnnounce?: boolean, gatewayMode?: GatewayMode, dialPrivateAddresses?: boolean }): Promise<boolean> {
    if (this.state == null) return false
    const config = $state.snapshot(this.state.config)
    try {
      if (options.fetchTimeoutSeconds !== undefined) config.fetchTimeoutSeconds = validateFetchTimeout(options.fetchTimeoutSeconds)
    } catch (err) {
      this.errors.options = describeError(err)
      return false
    }
    if (options.dhtAnnounce !== undefined) config.dhtAnnounce = options.dhtAnnounce
    if (options.gatewayMode !== undefined) config.gatewayMode = options.gatewayMode
    if (options.dialPrivateAddresses !== undefined) config.dialPrivateAddresses = options.dialPrivateAddresses
    return await this.save('options', config)
  }

  async reset (): Promise<void> {
    await this.apply(() => this.node.client.call('config.reset', undefined))
  }

  private async save (list: ConfigList | 'options', config: NodeConfig): Promise<boolean> {
    this.errors[list] = undefined
    return await this.apply(() => this.node.client.call('config.set', config), list)
  }

  private async apply (fn: () => Promise<ConfigState>, list?: ConfigList | 'options'): Promise<boolean> {
    this.saving = true
    try {
      this.state = await fn()
      return true
    } catch (err) {
      if (list != null) this.errors[list] = describeError(err)
      return false
    } finally {
      this.saving = false
    }
  }
}
