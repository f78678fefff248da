/**
 * Why each test that fails or is skipped does: RESULTS.md lists every one
 * under its reason. `tests` are test names (a name covers its subtests).
 */
export interface FailureReason {
  title: string
  reason: string
  tests: string[]
}

export const FAILURE_REASONS: FailureReason[] = []
