/**
 * Differential test: our FIM and AIDE 0.18 take a baseline of the same varied tree, a scripted batch
 * of changes is applied, and both report. The added, removed and changed paths, and the changed
 * attributes of each, must agree, except for the deliberate differences below (Wazuh's syscheck
 * semantics are our spec, not AIDE's), each of which must actually occur.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { appendFileSync, chmodSync, chownSync, lchownSync, linkSync, lutimesSync, mkdirSync, renameSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { Baseline, compileFimConfig, FimEngine, parseSyscheck, type Checks, type FimConfig } from '../../../src/sources/fim/index.js'
import type { Attribute } from '../../../src/sources/fim/entry.js'
import { missingTool } from '../../helpers/tool.js'
import { tempDir } from '../../helpers/tmp.js'
import { prng } from '../../helpers/prng.js'
import { Aide, aideMissing, type Attr, type Finding, type Report } from './aide.js'

/** Wazuh `<directories>` attributes of each run: the check options under test. */
const CONFIGS = ['check_all="yes"', 'check_all="no" check_sum="yes"', 'check_all="yes" check_mtime="no" check_inode="no"']

/** A name that is not valid UTF-8 (Latin-1 é): readdir gives it to Node with U+FFFD instead. */
const LATIN1 = Buffer.from([0x6c, 0x61, 0x74, 0xe9, 0x2e, 0x74, 0x78, 0x74]) // "lat\xe9.txt"

/** Baseline mtimes, far from now: every later write then moves mtime, whatever the clock's second. */
const EPOCH = new Date('2024-01-01T00:00:00Z')

function bytes(n: number, seed: number): Buffer {
  const r = prng(seed)
  return Buffer.from(Array.from({ length: n }, () => Math.floor(r() * 256)))
}

/** The tree both tools take a baseline of. */
function buildTree(root: string): void {
  const w = (p: string, data: string | Buffer): void => writeFileSync(join(root, p), data)
  for (const d of ['sub/dir', 'olddir/deep', 'dir2file', 'nested/a/b/c']) mkdirSync(join(root, d), { recursive: true })
  w('same-size.txt', 'hello world\n')
  w('grow.txt', 'x'.repeat(1000))
  w('big.bin', bytes(300 * 1024, 1)) // above the one-read limit: hashed in a streaming loop
  w('truncate.txt', 'some content\n'.repeat(50))
  w('forged.txt', 'original\n')
  w('empty', '')
  w('mode.conf', 'mode\n')
  w('owner.conf', 'owner\n')
  w('touched.conf', 'touched\n')
  w('flipflop.conf', 'flip\n')
  w('unchanged.txt', 'never touched\n')
  w('with space.txt', 'spaces\n')
  w('café.txt', 'non-ascii\n')
  w('日本語 file', 'cjk\n')
  w('new\nline', 'a newline in a name is legal\n')
  writeFileSync(Buffer.concat([Buffer.from(root + '/'), LATIN1]), 'latin-1 name\n')
  w('sub/dir/rename-from.txt', 'renamed\n')
  w('sub/delete-me.txt', 'deleted\n')
  w('sub/keep.txt', 'kept\n')
  w('olddir/a', 'a\n')
  w('olddir/deep/b', 'b\n')
  w('dir2file/inner', 'inner\n')
  w('nested/a/b/c/deep.txt', 'deep\n')
  w('file2dir', 'becomes a directory\n')
  w('file2link', 'becomes a link\n')
  w('file2fifo', 'becomes a FIFO\n')
  w('replaced.conf', 'replaced by a rename over it\n')
  w('hl-a', 'hard linked\n')
  linkSync(join(root, 'hl-a'), join(root, 'hl-b'))
  symlinkSync('same-size.txt', join(root, 'link'))
  symlinkSync('grow.txt', join(root, 'link-touched'))
  symlinkSync('grow.txt', join(root, 'link-owner'))
  symlinkSync('unchanged.txt', join(root, 'link2file'))
  symlinkSync('sub/delete-me.txt', join(root, 'dangling')) // its target is deleted: links are not followed
  execFileSync('mkfifo', [join(root, 'fifo')])
  // Directories last: their own mtimes moved while they filled up.
  const all = execFileSync('find', [root, '-depth', '-print0']).toString('latin1').split('\0').filter(Boolean)
  for (const p of all) lutimesSync(Buffer.from(p, 'latin1'), EPOCH, EPOCH)
}

/** The scripted batch of changes, in a fixed order. */
function applyChanges(root: string): void {
  const p = (rel: string): string => join(root, rel)
  writeFileSync(p('same-size.txt'), 'HELLO WORLD\n') // content, same size
  appendFileSync(p('grow.txt'), 'more') // size
  const big = bytes(300 * 1024, 1)
  big[200_000] = (big[200_000] as number) ^ 0xff // one byte, deep in the streamed part
  writeFileSync(p('big.bin'), big)
  truncateSync(p('truncate.txt'), 0) // to empty
  writeFileSync(p('forged.txt'), 'ORIGINAL\n') // same size, and the mtime put back: only the hashes tell
  utimesSync(p('forged.txt'), EPOCH, EPOCH)
  chmodSync(p('empty'), 0o4755) // setuid
  chmodSync(p('mode.conf'), 0o600)
  chownSync(p('owner.conf'), 4242, 4343) // ids with no name: user_name and group_name change too
  utimesSync(p('touched.conf'), EPOCH, new Date('2024-06-01T00:00:00Z')) // mtime only
  lutimesSync(p('link-touched'), EPOCH, new Date('2024-06-01T00:00:00Z')) // a link's own mtime
  writeFileSync(p('flipflop.conf'), 'flop\n') // changed and changed back: same hashes, new mtime
  writeFileSync(p('flipflop.conf'), 'flip\n')
  lchownSync(p('link-owner'), 4242, 4343) // a link's own owner
  writeFileSync(p('日本語 file'), 'CJK\n')
  writeFileSync(p('new\nline'), 'A NEWLINE IN A NAME IS LEGAL\n')
  writeFileSync(p('nested/a/b/c/deep.txt'), 'DEEP\n')
  writeFileSync(Buffer.concat([Buffer.from(root + '/'), LATIN1]), 'LATIN-1 NAME\n')
  renameSync(p('sub/dir/rename-from.txt'), p('sub/dir/rename-to.txt'))
  rmSync(p('sub/delete-me.txt'))
  rmSync(p('olddir'), { recursive: true })
  writeFileSync(p('new-file.txt'), 'new\n')
  mkdirSync(p('newdir/inner'), { recursive: true })
  writeFileSync(p('newdir/inner/f'), 'in a new directory\n')
  rmSync(p('link'))
  symlinkSync('grow.txt', p('link')) // retargeted
  rmSync(p('file2dir'))
  mkdirSync(p('file2dir'))
  writeFileSync(p('file2dir/x'), 'x\n')
  rmSync(p('dir2file'), { recursive: true })
  writeFileSync(p('dir2file'), 'was a directory\n')
  rmSync(p('file2link'))
  symlinkSync('unchanged.txt', p('file2link'))
  rmSync(p('link2file'))
  writeFileSync(p('link2file'), 'was a link\n')
  rmSync(p('file2fifo'))
  execFileSync('mkfifo', [p('file2fifo')])
  writeFileSync(p('replaced.tmp'), 'REPLACED BY A RENAME OVER IT\n') // a package manager's or an editor's save
  renameSync(p('replaced.tmp'), p('replaced.conf'))
  linkSync(p('hl-a'), p('hl-c')) // hl-a and hl-b: link count 2 → 3
  execFileSync('mkfifo', [p('new-fifo')])
}

/** Our attribute names → the shared vocabulary (names follow their ids). */
const OURS: Record<Attribute, Attr> = { type: 'type', size: 'size', permission: 'perm', uid: 'uid', user_name: 'uid', gid: 'gid', group_name: 'gid', mtime: 'mtime', inode: 'inode', md5: 'md5', sha1: 'sha1', sha256: 'sha256' }

/** Our baseline scan, `change()`, our second scan: what it reported, and the walk's warnings. */
async function ourScans(root: string, cfg: FimConfig, change: () => void): Promise<{ report: Report; warnings: string[] }> {
  const db = new Baseline(':memory:')
  const events: { path: string; event: string; changed: Attribute[] }[] = []
  const warnings: string[] = []
  const engine = new FimEngine(
    cfg,
    db,
    (e) => {
      const f = e.fields
      if (f['syscheck.event'] === 'bulk') return // the summary of the per-file events below
      events.push({ path: String(f['syscheck.path']), event: String(f['syscheck.event']), changed: (f['syscheck.changed_attributes'] as Attribute[] | undefined) ?? [] })
    },
    { onError: (p, err) => warnings.push(`${relative(root, p)}: ${err.message}`) },
  )
  await engine.scan()
  change()
  await engine.scan()
  db.close()
  const report: Report = new Map()
  const event = { added: 'added', deleted: 'removed', modified: 'changed' } as const
  for (const e of events) report.set(relative(root, e.path), { event: event[e.event as keyof typeof event], attrs: [...new Set(e.changed.map((a) => OURS[a]))] })
  return { report, warnings }
}

/**
 * The deliberate differences, and why each is one: Wazuh's syscheck is our spec, not AIDE. Every
 * difference the comparison finds must be one of these, and each must occur (the test names where).
 */
const DELIBERATE = {
  directory: 'AIDE records directories (added, removed, and changed as their mtime and link count move with their entries); Wazuh records the files in them only',
  special: 'AIDE records FIFOs, sockets and devices; Wazuh regular files and links only',
  link_count: "a new hard link changes the link count of the inode's other names: AIDE checks it (n), Wazuh has no link count",
  file_replaced: "a file replaced by a directory or a FIFO is a type change for AIDE, the file's deletion for Wazuh (both add the directory's files)",
  dir_to_file: "a directory replaced by a file is a type change for AIDE, the file's addition for Wazuh (both remove the directory's files)",
  non_utf8: 'a name that is not valid UTF-8: AIDE records it; Wazuh, and we, skip it with a warning (events are JSON, which holds UTF-8 only)',
} as const
type Reason = keyof typeof DELIBERATE

const SPECIAL = new Set(['p', 's', 'c', 'b'])
const same = (a: readonly Attr[], b: readonly Attr[]): boolean => a.length === b.length && a.every((x) => b.includes(x))

/** Which deliberate difference explains AIDE's and our findings for one path, if any. */
function explain(path: string, a: Finding | undefined, o: Finding | undefined): Reason | undefined {
  if (!a) return undefined // we report something AIDE does not: never deliberate
  if (a.ftype === 'd' && !a.oldType && !o) return 'directory'
  if (a.oldType === 'File' && (a.ftype === 'd' || SPECIAL.has(a.ftype ?? '')) && o?.event === 'removed') return 'file_replaced'
  if (a.oldType === 'Directory' && a.ftype === 'f' && o?.event === 'added') return 'dir_to_file'
  if (SPECIAL.has(a.ftype ?? '') && !o) return 'special'
  if (path.includes('\uFFFD') && !o) return 'non_utf8'
  if (a.event === 'changed' && a.attrs.includes('link_count')) {
    const rest = a.attrs.filter((x) => x !== 'link_count')
    if (o ? o.event === 'changed' && same(rest, o.attrs) : rest.length === 0) return 'link_count'
  }
  return undefined
}

const show = (f: Finding | undefined): string => (f ? `${f.event}${f.attrs.length ? ` [${[...f.attrs].sort().join(',')}]` : ''}` : 'nothing')

for (const attrs of CONFIGS) {
  test(`differential: FIM and AIDE 0.18 detect the same changes (<directories ${attrs}>)`, async (t) => {
    const missing = aideMissing()
    if (missing) return void t.skip(missingTool(missing))
    if (process.getuid?.() !== 0) return void t.skip('needs root: the changes include chown')
    const work = tempDir('fim-aide')
    const root = join(work, 'tree')
    mkdirSync(root)
    buildTree(root)
    const cfg = compileFimConfig(parseSyscheck(`<syscheck><directories ${attrs}>${root}</directories></syscheck>`).config)
    const aide = new Aide(work, root, cfg.directories[0]?.checks as Checks)
    // Each tool takes its baseline before the changes and reports after them; AIDE's reads move no
    // attribute we compare (atime is in neither rule), and ours none that AIDE checks.
    const ours = await ourScans(root, cfg, () => {
      aide.init()
      applyChanges(root)
    })
    const theirs = aide.check()

    const explained: Record<Reason, string[]> = { directory: [], special: [], link_count: [], file_replaced: [], dir_to_file: [], non_utf8: [] }
    const unexplained: string[] = []
    const agreed: string[] = []
    let attributes = 0
    const paths = [...new Set([...theirs.keys(), ...ours.report.keys()])].sort()
    for (const p of paths) {
      const a = theirs.get(p)
      const o = ours.report.get(p)
      if (a && o && a.event === o.event && same(a.attrs, o.attrs)) {
        agreed.push(p)
        attributes += a.attrs.length
        continue
      }
      const why = explain(p, a, o)
      if (why) explained[why].push(p)
      else unexplained.push(`${p}: AIDE ${show(a)}, ours ${show(o)}`)
    }
    t.diagnostic(`${paths.length} paths reported, ${agreed.length} the same by both (${attributes} changed attributes)`)
    for (const [why, list] of Object.entries(explained)) t.diagnostic(`deliberate, ${DELIBERATE[why as Reason]}: ${list.join(', ')}`)
    assert.deepEqual(unexplained, [], 'differences no deliberate difference explains')

    // Each deliberate difference occurs, and only where the changes cause it. Which changed
    // directories AIDE lists depends on the rule (mtime or not), so only the added and removed ones
    // are named.
    const { directory, ...rest } = explained
    assert.deepEqual(rest, { special: ['new-fifo'], link_count: ['hl-a', 'hl-b'], file_replaced: ['file2dir', 'file2fifo'], dir_to_file: ['dir2file'], non_utf8: ['lat\uFFFD.txt'] })
    for (const d of ['newdir', 'newdir/inner', 'olddir', 'olddir/deep']) assert.ok(directory.includes(d), `AIDE did not report directory ${d}`)
    // The skipped name is reported with its bytes, at each of our two scans.
    assert.deepEqual(ours.warnings, Array(2).fill('lat\\xe9.txt: not monitored: the name is not valid UTF-8'))
    // Not vacuous: content changes that only the hashes show were seen by both.
    for (const p of ['same-size.txt', 'big.bin', 'forged.txt']) assert.ok(agreed.includes(p), `${p} not reported by both`)
  })
}
