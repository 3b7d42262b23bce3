/**
 * Turns a compared entry into a FIM Event with Wazuh's `syscheck.*` alert fields, and `raw` in
 * Wazuh's `full_log` wording, so that rules 550/553/554 and their children fire unchanged.
 */
import type { Event, FieldValue, Fields } from '../../event/event.js'
import type { Checks } from './config.js'
import type { Attribute, FileEntry } from './entry.js'

export type FimEventType = 'added' | 'modified' | 'deleted'
export type FimMode = 'realtime' | 'scheduled' | 'whodata'

/** Who made a change, from kernel audit (who-data). Names follow Wazuh's `syscheck.audit.*`. */
export interface AuditInfo {
  user?: { id: string; name?: string }
  group?: { id: string; name?: string }
  login_user?: { id: string; name?: string }
  effective_user?: { id: string; name?: string }
  process?: { id: string; name?: string; ppid?: string; cwd?: string; parent_name?: string }
}

/** The attributes that differ, in Wazuh's order, restricted to what the directory checks. */
export function changedAttributes(before: FileEntry, after: FileEntry, c: Checks): Attribute[] {
  const out: Attribute[] = []
  if (before.type !== after.type) out.push('type')
  if (c.size && before.size !== after.size) out.push('size')
  if (c.perm && before.perm !== after.perm) out.push('permission')
  if (c.owner && before.uid !== after.uid) out.push('uid')
  if (c.owner && before.uname !== after.uname) out.push('user_name')
  if (c.group && before.gid !== after.gid) out.push('gid')
  if (c.group && before.gname !== after.gname) out.push('group_name')
  if (c.mtime && before.mtime !== after.mtime) out.push('mtime')
  if (c.inode && before.inode !== after.inode) out.push('inode')
  if (c.md5 && before.md5 !== after.md5) out.push('md5')
  if (c.sha1 && before.sha1 !== after.sha1) out.push('sha1')
  if (c.sha256 && before.sha256 !== after.sha256) out.push('sha256')
  return out
}

/** Wazuh prints mtimes as `%FT%T` in UTC. */
const isoSeconds = (secs: number): string => new Date(secs * 1000).toISOString().slice(0, 19)

const ATTRS: readonly [key: string, get: (e: FileEntry) => FieldValue][] = [
  ['size', (e) => e.size],
  ['perm', (e) => e.perm],
  ['uid', (e) => String(e.uid)],
  ['gid', (e) => String(e.gid)],
  ['uname', (e) => e.uname],
  ['gname', (e) => e.gname],
  ['md5', (e) => e.md5],
  ['sha1', (e) => e.sha1],
  ['sha256', (e) => e.sha256],
  ['mtime', (e) => isoSeconds(e.mtime)],
  ['inode', (e) => e.inode],
]

export interface FimChange {
  path: string
  event: FimEventType
  mode: FimMode
  before?: FileEntry
  after?: FileEntry
  changed: Attribute[]
  diff?: string
  tags: readonly string[]
  audit?: AuditInfo
  time: Date
}

/** What tells one change from another: its kind, path and time (an event of it carries the same three). */
export function changeKey(c: Pick<FimChange, 'event' | 'path' | 'time'>): string {
  return `${c.event}\u0000${c.path}\u0000${c.time.toISOString()}`
}

/** The {@link changeKey} of the change a FIM event reports, or undefined for any other event. */
export function eventChangeKey(e: Event): string | undefined {
  const event = e.fields['syscheck.event']
  const path = e.fields['syscheck.path']
  if (e.source !== 'fim' || typeof event !== 'string' || typeof path !== 'string') return undefined
  return `${event}\u0000${path}\u0000${e.time}`
}

/** A change read back from its JSON (the baseline's outbox): the time becomes a Date again. */
export function changeFromJson(json: string): FimChange {
  const c = JSON.parse(json) as FimChange & { time: string }
  if (typeof c !== 'object' || c === null || typeof c.path !== 'string' || typeof c.event !== 'string') throw new Error('not a FIM change')
  return { ...c, time: new Date(c.time), tags: c.tags ?? [], changed: c.changed ?? [] }
}

function flattenAudit(audit: AuditInfo, into: Fields): void {
  for (const [group, value] of Object.entries(audit)) {
    for (const [k, v] of Object.entries(value as Record<string, string | undefined>)) {
      if (v !== undefined) into[`syscheck.audit.${group}.${k}`] = v
    }
  }
}

/** The Event for one change; `_before` keys only for values that changed (as Wazuh). */
export function fimEvent(c: FimChange): Event {
  const current = c.event === 'deleted' ? c.before : c.after
  const fields: Fields = { 'syscheck.path': c.path, 'syscheck.event': c.event, 'syscheck.mode': c.mode }
  if (current) {
    fields['syscheck.type'] = current.type
    for (const [k, get] of ATTRS) {
      const now = get(current)
      fields[`syscheck.${k}_after`] = now
      if (c.event === 'modified' && c.before) {
        const was = get(c.before)
        if (was !== now) fields[`syscheck.${k}_before`] = was
      }
    }
  }
  if (c.event === 'modified') fields['syscheck.changed_attributes'] = c.changed
  if (c.diff !== undefined) fields['syscheck.diff'] = c.diff
  if (c.tags.length) fields['syscheck.tags'] = [...c.tags]
  if (c.audit) flattenAudit(c.audit, fields)
  return {
    seq: 0,
    time: c.time.toISOString(),
    agent: '',
    source: 'fim',
    location: 'syscheck',
    kind: 'fim',
    raw: fullLog(c),
    fields,
  }
}

/** Wazuh's text rendering of a FIM alert (its `full_log`). */
export function fullLog(c: FimChange): string {
  const lines = [`File '${c.path}' ${c.event}`, `Mode: ${c.mode}`]
  const b = c.before
  const a = c.after
  if (c.event === 'modified' && a && b) {
    lines.push(`Changed attributes: ${c.changed.join(',')}`)
    for (const attr of c.changed) {
      switch (attr) {
        case 'size': lines.push(`Size changed from '${b.size}' to '${a.size}'`); break
        case 'permission': lines.push(`Permissions changed from '${b.perm}' to '${a.perm}'`); break
        case 'uid': lines.push(`Ownership was '${b.uid}', now it is '${a.uid}'`); break
        case 'user_name': lines.push(`User name was '${b.uname}', now it is '${a.uname}'`); break
        case 'gid': lines.push(`Group ownership was '${b.gid}', now it is '${a.gid}'`); break
        case 'group_name': lines.push(`Group name was '${b.gname}', now it is '${a.gname}'`); break
        case 'mtime': lines.push(`Old modification time was: '${isoSeconds(b.mtime)}', now it is '${isoSeconds(a.mtime)}'`); break
        case 'inode': lines.push(`Old inode was: '${b.inode}', now it is '${a.inode}'`); break
        case 'md5': lines.push(`Old md5sum was: '${b.md5}'`, `New md5sum is : '${a.md5}'`); break
        case 'sha1': lines.push(`Old sha1sum was: '${b.sha1}'`, `New sha1sum is : '${a.sha1}'`); break
        case 'sha256': lines.push(`Old sha256sum was: '${b.sha256}'`, `New sha256sum is : '${a.sha256}'`); break
        case 'type': lines.push(`Type changed from '${b.type}' to '${a.type}'`); break
      }
    }
  }
  if (c.audit?.user) lines.push(`(Audit) User: '${c.audit.user.name ?? ''} (${c.audit.user.id})'`)
  if (c.audit?.process) lines.push(`(Audit) Process id: '${c.audit.process.id}'`, `(Audit) Process name: '${c.audit.process.name ?? ''}'`)
  if (c.diff !== undefined) lines.push('What changed:', c.diff.replace(/\n$/, ''))
  return lines.join('\n')
}

/** The summary of a bulk change (a package upgrade): one event instead of a flood at the top. */
export function bulkEvent(id: string, mode: FimMode, changes: readonly FimChange[], time: Date): Event {
  const counts = { added: 0, modified: 0, deleted: 0 }
  for (const c of changes) counts[c.event]++
  const paths = changes.map((c) => c.path)
  const shown = paths.slice(0, 50)
  return {
    seq: 0,
    time: time.toISOString(),
    agent: '',
    source: 'fim',
    location: 'syscheck',
    kind: 'fim',
    raw: `Bulk change: ${changes.length} files (${counts.added} added, ${counts.modified} modified, ${counts.deleted} deleted)\nMode: ${mode}\n${shown.join('\n')}${paths.length > shown.length ? `\n... and ${paths.length - shown.length} more` : ''}`,
    fields: {
      // The directory all the changes are under: FIM lists (`syscheck.path: *`) and rules by
      // directory (`<field name="file">/etc/apparmor.d/</field>`) see the summary too.
      'syscheck.path': commonDirectory(paths),
      'syscheck.event': 'bulk',
      'syscheck.mode': mode,
      'fim.bulk.id': id,
      'fim.bulk.count': changes.length,
      'fim.bulk.added': counts.added,
      'fim.bulk.modified': counts.modified,
      'fim.bulk.deleted': counts.deleted,
      'fim.bulk.paths': shown,
      'fim.bulk.directories': [...new Set(paths.map((p) => p.slice(0, p.lastIndexOf('/')) || '/'))].slice(0, 50),
    },
  }
}

/** The deepest directory containing every path (`/` at worst). */
export function commonDirectory(paths: readonly string[]): string {
  if (paths.length === 0) return '/'
  let parts = (paths[0] as string).split('/').slice(0, -1)
  for (const p of paths) {
    const q = p.split('/')
    let i = 0
    while (i < parts.length && i < q.length - 1 && parts[i] === q[i]) i++
    parts = parts.slice(0, i)
  }
  return parts.join('/') || '/'
}
