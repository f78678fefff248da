/** The user's settings, kept in the node's datastore beside its key. */
import { Key, type Datastore } from 'interface-datastore'
import { deploymentDefaults, validateConfig, type NodeConfig } from '../lib/config.ts'

const CONFIG_KEY = new Key('/pollen/config')
export const DEPLOYMENT_FILE = 'deployment.json'

/** The defaults of this deployment: deployment.json beside the app if served, else the public ones. */
export async function loadDefaults (appBase: URL): Promise<NodeConfig> {
  let deployment: unknown
  try {
    const response = await fetch(new URL(DEPLOYMENT_FILE, appBase), { cache: 'no-cache' })
    if (response.ok) deployment = await response.json()
  } catch {
    // offline or not served: the public defaults apply
  }
  return deploymentDefaults(deployment)
}

export async function loadConfig (datastore: Datastore, defaults: NodeConfig): Promise<NodeConfig> {
  if (!(await datastore.has(CONFIG_KEY))) return defaults
  try {
    return validateConfig(JSON.parse(new TextDecoder().decode(await datastore.get(CONFIG_KEY))))
  } catch {
    return defaults
  }
}

export async function saveConfig (datastore: Datastore, config: NodeConfig | undefined): Promise<void> {
  if (config == null) await datastore.delete(CONFIG_KEY)
  else await datastore.put(CONFIG_KEY, new TextEncoder().encode(JSON.stringify(config)))
}
