/**
 * report_changes: the unified diff of a file's text between the kept previous content and now,
 * or the reason there is none, in Wazuh's wording so that existing rules and habits carry over.
 */
import { createTwoFilesPatch } from 'diff'

export const DIFF_MESSAGES = {
  nodiff: "Diff truncated due to 'nodiff' configuration detected for this file.",
  fileSize: "Unable to calculate diff due to 'file_size' limit has been reached.",
  diskQuota: "Unable to calculate diff due to 'disk_quota' limit has been reached.",
  noChange: 'No content changes were found for this file.',
  binary: 'Binary files differ.',
  noPrevious: 'No previous content was kept for this file; the diff starts with the next change.',
} as const

/** A NUL byte in the first 8 KB, as diff(1) and git decide. */
export function isBinary(b: Buffer): boolean {
  return b.subarray(0, 8192).includes(0)
}

/**
 * The diff from `before` to `after` (absent = empty file), cut at `maxBytes` with a note. The file
 * header says the path twice; hunks use three lines of context.
 */
export function unifiedDiff(path: string, before: Buffer | undefined, after: Buffer | undefined, maxBytes: number): string {
  const a = before ?? Buffer.alloc(0)
  const b = after ?? Buffer.alloc(0)
  if (a.equals(b)) return DIFF_MESSAGES.noChange
  if (isBinary(a) || isBinary(b)) return DIFF_MESSAGES.binary
  const patch = createTwoFilesPatch(path, path, a.toString('utf8'), b.toString('utf8'), '', '', { context: 3 })
  // Drop jsdiff's "Index:" and "=====" lines: the rest is what `diff -u` prints.
  const text = patch.replace(/^(Index: [^\n]*\n)?=+\n/, '')
  if (Buffer.byteLength(text) <= maxBytes) return text
  const cut = Buffer.from(text).subarray(0, maxBytes).toString('utf8').replace(/\uFFFD$/, '')
  return `${cut.slice(0, cut.lastIndexOf('\n') + 1)}... diff truncated at ${maxBytes} bytes\n`
}
