/**
 * Tests that need a Debian package (.ci/run installs them): without it they are skipped here with
 * the reason, but in CI (`CI` set) a missing tool is a failure, never a skip.
 */
export function missingTool(reason: string): string {
  if (process.env.CI && process.env.CI !== 'false') throw new Error(`${reason} (CI: .ci/run must install it)`)
  return reason
}
