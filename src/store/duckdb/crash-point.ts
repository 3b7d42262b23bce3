/**
 * A crash point for fault-injection tests, and nothing else: with `ARMORWATCH_TEST_CRASH_AFTER_COMMITS=N`
 * in its environment, the process kills itself (SIGKILL, as a power cut or the OOM killer would)
 * right after its N-th store commit that moved a dedup mark, before any other code runs: before the
 * commit's callers resume, the state store's copy of the marks is written, alerts.json is appended
 * and agents are acknowledged. test/integration/manager/crash-after-commit.test.ts uses it to show
 * that redelivery after such a crash stores every event exactly once. Unset, it costs one
 * comparison per commit.
 */
const ENV = 'ARMORWATCH_TEST_CRASH_AFTER_COMMITS'

const limit = parseLimit(process.env[ENV])
let commits = 0

function parseLimit(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined
  const n = Number(v)
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${ENV} must be a positive integer, not '${v}'`)
  return n
}

export function crashPointAfterCommit(): void {
  if (limit === undefined) return
  if (++commits >= limit) process.kill(process.pid, 'SIGKILL')
}
