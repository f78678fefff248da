/** The app's state objects, created once per page and shared through context. */
import { createContext } from 'svelte'
import { LibraryState } from './state/library.svelte.ts'
import { NodeState } from './state/node.svelte.ts'
import { ServingState } from './state/serving.svelte.ts'
import { SettingsState } from './state/settings.svelte.ts'
import { UnfinishedState } from './state/unfinished.svelte.ts'
import { ViewerState } from './state/viewer.svelte.ts'
import type { NodeConnection } from './node-client.ts'

export interface AppContext {
  connection: NodeConnection
  library: LibraryState
  node: NodeState
  serving: ServingState
  settings: SettingsState
  unfinished: UnfinishedState
  viewer: ViewerState
}

export const [getApp, setApp] = createContext<AppContext>()

export function createAppContext (connection: NodeConnection): AppContext {
  return {
    connection,
    library: new LibraryState(connection),
    node: new NodeState(connection),
    serving: new ServingState(connection),
    settings: new SettingsState(connection),
    unfinished: new UnfinishedState(connection),
    viewer: new ViewerState(connection)
  }
}
