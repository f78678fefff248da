/**
 * test/conformance/RESULTS.md, written from a run (`CONFORMANCE_RECORD=1
 * npm run conformance`): the counts in total and per spec preset, and every
 * failing and skipped test with the reason failure-reasons.ts gives for it.
 */
import type { Outcome, SuiteCounts } from './suite-report.ts'
import type { FailureReason } from './failure-reasons.ts'

export interface ResultsPageInit {
  version: string
  source: string
  date: string
  seconds: number
  counts: SuiteCounts
  outcomes: Map<string, Outcome>
  /** Top-level test → the spec presets it runs under. */
  presets: Map<string, string[]>
  reasons: FailureReason[]
}

function tally (names: string[], outcomes: Map<string, Outcome>): SuiteCounts {
  const count = (outcome: Outcome): number => names.filter(name => outcomes.get(name) === outcome).length
  return { passed: count('pass'), failed: count('fail'), skipped: count('skip'), total: names.length }
}

/** Failing or skipped names none of whose subtests failed or was skipped: where each failure actually is. */
function leaves (names: string[]): string[] {
  return names.filter(name => !names.some(other => other.startsWith(`${name}/`)))
}

export function resultsPage (init: ResultsPageInit): string {
  const names = [...init.outcomes.keys()]
  const top = (name: string): string => name.split('/')[0]
  const presetNames = [...new Set([...init.presets.values()].flat())].sort()
  const rows = presetNames.map(preset => {
    const counts = tally(names.filter(name => init.presets.get(top(name))?.includes(preset) === true), init.outcomes)
    return `| ${preset} | ${counts.passed} | ${counts.failed} | ${counts.skipped} | ${counts.total} |`
  })
  const notPassing = leaves(names.filter(name => init.outcomes.get(name) !== 'pass'))
  const byReason = new Map<FailureReason | undefined, string[]>()
  for (const name of notPassing) {
    const reason = init.reasons.find(r => r.tests.some(pattern => name === pattern || name.startsWith(`${pattern}/`)))
    byReason.set(reason, [...(byReason.get(reason) ?? []), name])
  }
  const sections = [...byReason.entries()].sort(([a], [b]) => (a == null ? 1 : 0) - (b == null ? 1 : 0)).map(([reason, failing]) => [
    `### ${reason?.title ?? 'Not yet explained'} (${failing.length})`,
    '',
    reason?.reason ?? 'These fail for reasons not yet looked into.',
    '',
    ...failing.map(name => `- ${init.outcomes.get(name) === 'skip' ? '(skipped) ' : ''}\`${name}\``),
    ''
  ].join('\n'))
  const { counts } = init
  return `# Gateway conformance

<!-- passing: ${counts.passed} -->
**${counts.passed} passing, ${counts.failed} failing, ${counts.skipped} skipped** of ${counts.total} test names of the IPFS
gateway-conformance suite ${init.version} (every level counted: a top-level test, each subtest, theirs), against
Pollen's service-worker gateway in Chromium, on ${init.date}, in ${Math.round(init.seconds)} s. Source of the suite: ${init.source}.

Command: \`npm run conformance\` (\`npm test\` runs it too, and fails when fewer tests pass than the count above).
\`CONFORMANCE_RECORD=1 npm run conformance\` writes this page anew from a run. A run's requests, answers and the
suite's own output are in \`conformance-run/\`.

For comparison, measured on this machine with the same suite: Kubo v0.39.0 passes 1,232 of 1,258 names. The IPFS
service-worker gateway's CI expects 981 passing (suite v0.13.2) and skips 49 names.

## How it runs

\`test/conformance/conformance.spec.ts\` starts the infra node and two Pollens, one per browser context: one in
**path mode** answers the suite's gateway URL, one in **subdomain mode** its subdomain (\`example.com\`), DNSLink and
proxy requests. Fixtures go in as a person would put them: the CAR files through **Import CAR** on the Files screen
(each block checked against its CID), the IPNS records through the infra node's delegated routing API (PUT
\`/routing/v1/ipns/<name>\`, which refuses records whose signature does not verify), and the DNSLink names through a
DNS-over-HTTPS server set in Settings.

The suite talks to a replaying proxy (\`replay-proxy.ts\`): each request is performed in Chromium by a page of the
origin it names (\`browser-replay.ts\`), so Pollen's service worker answers it; the status, headers and body the
worker answered go back to the suite. Redirects, which a page sees only as opaque, are read from the DevTools
protocol. Where the suite names a host, the browser has Pollen's own:

| the suite asks | the browser asks |
| --- | --- |
| the gateway URL, \`/ipfs/…\`, \`/ipns/…\` | the app origin of the path-mode Pollen |
| \`example.com\` | the app origin of the subdomain-mode Pollen |
| \`<root>.ipfs.example.com\`, \`<name>.ipns.example.com\` | \`<root>.ipfs.app.localhost\`, \`<name>.ipns.app.localhost\` |
| a host with a DNSLink record (a DNSLink gateway's \`Host: <domain>\`) | that name's content origin, \`<inlined-domain>.ipns.app.localhost\` |
| any other host | the path-mode app origin, as a gateway treats a Host it does not know |
| \`<label>.ipfs.example.com\` with a label longer than DNS allows (63) | the path form, \`/ipfs/<label>\`, at the subdomain-mode app origin (no browser resolves such a host) |

\`X-Forwarded-Host\` and \`X-Forwarded-Proto\` name the host and scheme the client asked for, as a reverse proxy in
front of a gateway says them: the request is routed by them and Locations are written with them. A Location header
is written back in the suite's terms, and so are the hosts a generated listing or DAG page links to (never
content). An origin that redirects every navigation (an IPNS key spelt as a dag-pb CID) keeps no page open: its
requests are replayed as navigations, answered with the redirect. A page cannot set some request headers (\`Host\`,
\`Accept-Encoding\`, \`Origin\`, \`Referer\`, \`Sec-*\` …); the browser sets its own. Path mode shows pages only from roots
the person trusted: when the gateway answers "Not trusted yet", the harness follows the page's trust link and
confirms, as that person would, and asks again.

## Per spec preset

A test that runs under two presets counts in both rows.

| preset | passing | failing | skipped | names |
| --- | --- | --- | --- | --- |
${rows.join('\n')}

## Every failure and skip, with its reason

Only the deepest failing names are listed: a test whose subtest fails fails with it, and counts as failing too.

${sections.join('\n')}`
}
