/**
 * The import profile: unixfs-v1-2025 of IPIP-499 (CIDv1, raw leaves, 1 MiB
 * chunks, balanced DAG of at most 1024 links, HAMT sharding once a directory
 * block would pass 256 KiB). The tests compute expected CIDs in Node.js with
 * ipfs-unixfs-importer and these same options.
 */
export const IMPORT_PROFILE = 'unixfs-v1-2025'

export const IMPORT_OPTIONS = {
  profile: IMPORT_PROFILE,
  cidVersion: 1,
  rawLeaves: true
} as const
