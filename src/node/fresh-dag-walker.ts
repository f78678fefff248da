/**
 * A graph walker for pinning a DAG that was just imported into this node.
 *
 * Helia's walkers read every block to find its links, which for a fresh
 * import means reading back every 1 MiB leaf it has just written: as long
 * again as the import (bench/RESULTS.md). Raw blocks never link anywhere, so
 * this walker yields them without reading them, and reads only the few
 * dag-pb nodes. Only for DAGs known to be complete locally: a pin of content
 * from the network needs Helia's walker, which fetches what is missing.
 */
import toBuffer from 'it-to-buffer'
import { createUnsafe } from 'multiformats/block'
import * as raw from 'multiformats/codecs/raw'
import type { GraphNode, GraphWalker, GraphWalkerComponents, WalkOptions } from '@helia/interface'
import type { CID } from 'multiformats/cid'

const NO_BYTES = new Uint8Array(0)

export function freshDagWalker () {
  return (components: GraphWalkerComponents): GraphWalker => ({
    async * walk<T = any> (root: CID, options: WalkOptions<T> = {}): AsyncGenerator<GraphNode<T>> {
      const maxDepth = options.depth ?? Infinity
      const visit = async function * (cid: CID, depth: number, path: CID[]): AsyncGenerator<GraphNode<T>> {
        options.signal?.throwIfAborted()
        if (cid.code === raw.code) {
          // Pins read only the CID of a node; a raw leaf's bytes are not needed.
          yield { block: createUnsafe({ cid, bytes: NO_BYTES, codec: raw }) as any, depth, path }
          return
        }
        const block = createUnsafe({
          cid,
          bytes: await toBuffer(components.blockstore.get(cid, options)),
          codec: await components.getCodec(cid.code)
        })
        yield { block: block as any, depth, path }
        if (depth >= maxDepth) return
        for (const [, link] of block.links()) {
          if (options.includeChild?.(link, block as any) === false) continue
          yield * visit(link, depth + 1, [...path, link])
        }
      }
      yield * visit(root, 0, [root])
    }
  })
}
