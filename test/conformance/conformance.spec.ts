/**
 * The IPFS gateway-conformance suite against Pollen's service-worker gateway
 * in Chromium (`npm run conformance`; `npm test` runs it too). Two Pollens,
 * one per browser context: one in path mode answers the suite's gateway URL,
 * one in subdomain mode its subdomain, DNSLink and proxy requests. The suite
 * talks to a replaying proxy (replay-proxy.ts) that performs every request in
 * the browser at the origin it names. test/conformance/RESULTS.md records the
 * counts; a run that passes fewer tests than it records fails.
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { conformanceSuite, CONFORMANCE_VERSION } from '../../scripts/ensure-conformance.js'
import { startDohServer } from '../e2e/helpers/gateway.ts'
import { startNetwork } from '../e2e/helpers/network.ts'
import { BrowserReplay } from './browser-replay.ts'
import { dnslinkRecords, preparePollen, putIpnsRecords, readFixtures, trustFromRefusal } from './fixtures.ts'
import { startReplayProxy, type ReplayRequest } from './replay-proxy.ts'
import { readSuiteReport, recordedPassing } from './suite-report.ts'
import { FAILURE_REASONS } from './failure-reasons.ts'
import { resultsPage } from './results-page.ts'
import { specPresets } from './spec-presets.ts'
import { expect, test } from '@playwright/test'

const RESULTS = fileURLToPath(new URL('./RESULTS.md', import.meta.url))
/** Not under test-results/, which every Playwright run empties. */
const OUTPUT = fileURLToPath(new URL('../../conformance-run/', import.meta.url))
/** The suite's subdomain gateway host; the proxy maps it to Pollen's app host. */
const SUBDOMAIN_HOST = 'example.com'
/** Long enough for a loaded machine to find what is stored; the suite's requests for absent content wait this long. */
const FETCH_TIMEOUT_SECONDS = 10

test('the gateway-conformance suite passes no fewer tests than RESULTS.md records', async ({ browser }) => {
  test.setTimeout(30 * 60_000)
  const suite = conformanceSuite()
  const fixtures = await readFixtures(suite.fixtures)
  await mkdir(OUTPUT, { recursive: true })
  // No preload: the fixtures are the browser's own, and the suite asks nothing of the infra node's copy.
  const network = await startNetwork({ autoPreload: false })
  const doh = await startDohServer(dnslinkRecords(fixtures.dnslinks))
  // The pages that replay requests are Pollen's own error pages, whose CSP allows no fetch(): the driver lifts it for them.
  const contexts = { path: await browser.newContext({ bypassCSP: true }), subdomain: await browser.newContext({ bypassCSP: true }) }
  try {
    const refused = await putIpnsRecords(network.infra.httpUrl, fixtures.ipnsRecords)
    for (const side of ['path', 'subdomain'] as const) {
      await preparePollen(await contexts[side].newPage(), { appUrl: network.appUrl, mode: side, dohUrl: doh.url, fetchTimeoutSeconds: FETCH_TIMEOUT_SECONDS, cars: fixtures.cars })
    }

    const replays = { path: new BrowserReplay(contexts.path), subdomain: new BrowserReplay(contexts.subdomain) }
    const exchanges = createWriteStream(join(OUTPUT, 'exchanges.log'))
    const replay = async (request: ReplayRequest): Promise<Awaited<ReturnType<BrowserReplay['perform']>>> => {
      const answer = await replays[request.side].perform(request)
      if (request.side !== 'path' || answer.status !== 403) return answer
      // A page from a root path mode does not trust yet: trusted as a person would, then asked again.
      if (!await trustFromRefusal(contexts.path, network.appUrl, answer.body.toString('utf8'))) return answer
      return await replays.path.perform(request)
    }
    const proxy = await startReplayProxy({
      appHost: new URL(network.appUrl).host,
      subdomainHost: SUBDOMAIN_HOST,
      hasDnsLink: host => Object.hasOwn(fixtures.dnslinks, host),
      replay,
      onExchange: line => { exchanges.write(`${line}\n`) }
    })
    const reportFile = join(OUTPUT, 'report.json')
    const started = Date.now()
    try {
      const code = await runSuite(suite, proxy.url, reportFile)
      console.log(`conformance: gateway-conformance test exited with ${code}`)
    } finally {
      await proxy.close()
      exchanges.end()
    }

    const { counts, outcomes } = await readSuiteReport(reportFile)
    await writeFile(join(OUTPUT, 'outcomes.json'), JSON.stringify({ version: CONFORMANCE_VERSION, source: suite.source, counts, refusedIpnsRecords: refused, outcomes: Object.fromEntries(outcomes) }, null, 2))
    console.log(`conformance: gateway-conformance ${CONFORMANCE_VERSION}: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped of ${counts.total} test names (every level counted); details in ${OUTPUT}`)
    if (process.env.CONFORMANCE_RECORD === '1') {
      const date = new Date().toISOString().slice(0, 10)
      const previous = await readFile(RESULTS, 'utf8').catch(() => '')
      await writeFile(RESULTS, resultsPage({ version: CONFORMANCE_VERSION, source: suite.source, date, seconds: (Date.now() - started) / 1000, counts, outcomes, presets: await specPresets(suite.home), reasons: FAILURE_REASONS }))
      console.log(`conformance: wrote ${RESULTS}${previous.includes(`<!-- passing: ${counts.passed} -->`) ? ' (same count as before)' : ''}`)
    }
    const recorded = await recordedPassing(RESULTS)
    expect(recorded, 'test/conformance/RESULTS.md records the passing count (<!-- passing: N -->)').toBeDefined()
    expect(counts.passed).toBeGreaterThanOrEqual(recorded!)
  } finally {
    await contexts.path.close()
    await contexts.subdomain.close()
    doh.server.close()
    await network.close()
  }
})

/** Runs `gateway-conformance test` against the proxy; its output goes to suite.log. */
async function runSuite (suite: ReturnType<typeof conformanceSuite>, gatewayUrl: string, reportFile: string): Promise<number> {
  const log = createWriteStream(join(OUTPUT, 'suite.log'))
  const child = spawn(suite.binary, ['test', '--gateway-url', gatewayUrl, '--subdomain-url', `http://${SUBDOMAIN_HOST}`, '--json-output', reportFile, '--', '-timeout', '25m'], {
    cwd: suite.home,
    env: { ...process.env, GATEWAY_CONFORMANCE_HOME: suite.home },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  // Both into one file: neither pipe may end it while the other still writes ("write after end").
  child.stdout.pipe(log, { end: false })
  child.stderr.pipe(log, { end: false })
  return await new Promise<number>((resolve, reject) => {
    child.once('error', reject)
    // 'close' comes after both output streams ended.
    child.once('close', code => { log.end(() => { resolve(code ?? 1) }) })
  })
}

