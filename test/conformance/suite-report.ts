/**
 * Counting the suite's results as its own figures are counted: every test
 * name at every level (a top-level test, each of its subtests, theirs), by
 * the last pass, fail or skip `go test -json` reported for it.
 */
import { readFile } from 'node:fs/promises'

export type Outcome = 'pass' | 'fail' | 'skip'

export interface SuiteCounts {
  passed: number
  failed: number
  skipped: number
  total: number
}

export interface SuiteReport {
  counts: SuiteCounts
  /** Each test name with its outcome, in the order the suite finished them. */
  outcomes: Map<string, Outcome>
}

export async function readSuiteReport (jsonFile: string): Promise<SuiteReport> {
  const outcomes = new Map<string, Outcome>()
  for (const line of (await readFile(jsonFile, 'utf8')).split('\n')) {
    if (line.trim() === '') continue
    const event = JSON.parse(line) as { Action?: string, Test?: string }
    if (event.Test == null) continue
    if (event.Action === 'pass' || event.Action === 'fail' || event.Action === 'skip') outcomes.set(event.Test, event.Action)
  }
  const count = (outcome: Outcome): number => [...outcomes.values()].filter(o => o === outcome).length
  return { outcomes, counts: { passed: count('pass'), failed: count('fail'), skipped: count('skip'), total: outcomes.size } }
}

/** The passing count RESULTS.md records (`<!-- passing: N -->`): a run with fewer is a regression. */
export async function recordedPassing (resultsFile: string): Promise<number | undefined> {
  const match = /<!-- passing: (\d+) -->/.exec(await readFile(resultsFile, 'utf8'))
  return match == null ? undefined : Number(match[1])
}
