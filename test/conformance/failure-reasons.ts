/**
 * Why each test that fails or is skipped does: RESULTS.md lists every one
 * under its reason. `tests` are test names (a name covers its subtests).
 */
export interface FailureReason {
  title: string
  reason: string
  tests: string[]
}

export const FAILURE_REASONS: FailureReason[] = [
  {
    title: 'A DNSLink site\'s listing links each CID to Pollen\'s path gateway, not to cid.ipfs.tech',
    reason: 'On a DNSLink gateway Kubo has no path gateway to link a CID to, so its listing links each one to ' +
      '`https://cid.ipfs.tech/#<cid>`, another site, and the test looks for that link. A DNSLink site in Pollen is a ' +
      'content origin beside Pollen\'s own path gateway, so its listing links each CID there (`//<app host>/ipfs/<cid>`), ' +
      'where the browser\'s own node serves it; the rest of the listing is as the test expects.',
    tests: ['TestDNSLinkGatewayUnixFSDirectoryListing']
  }
]
