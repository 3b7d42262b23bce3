/**
 * The TypeScript decoders, run on normalized events (src/normalize) before the XML decoders:
 * - `apparmor`: AppArmor records from any envelope (`kind: apparmor`): every `apparmor.*`,
 *   `audit.*` and `kernel.*` field as a dynamic field (alerts show them as `data.apparmor.*`,
 *   `data.audit.*`), plus the static `status` (the AppArmor status) and `extra_data` (the
 *   operation), the two fields Wazuh's own kernel `apparmor` decoder extracts;
 * - `auditd`: every other audit event (`kind: audit`), fields `audit.*`;
 * - `syscheck`: FIM events (`kind: fim`) as Wazuh's built-in FIM decoder names them
 *   (`syscheck_new_entry`, `syscheck_integrity_changed`, `syscheck_deleted`), with the field
 *   names rules see (`file`, `size_after`, `md5_after`, `changed_fields`...) and the alert's
 *   `syscheck` object;
 * - `armorwatch`: the agent's own notices (`kind: agent`) and AppArmor state changes
 *   (`kind: apparmor-state`), fields `agent.*` and `apparmor_state.*`.
 * Syslog-framed records are still pre-decoded, so `hostname`, `program_name` and `<match>` on the
 * message behave as for any syslog line.
 */
import type { Event, FieldValue } from '../../event/event.js'
import type { AlertData, AlertValue } from '../../event/alert.js'
import type { DecoderRef, LogEvent } from '../log-event.js'
import { nest } from '../alert-builder.js'
import { preDecode } from '../predecoder.js'

export const NATIVE_DECODER_NAMES: readonly string[] = [
  'apparmor',
  'auditd',
  'armorwatch',
  'syscheck_new_entry',
  'syscheck_integrity_changed',
  'syscheck_deleted',
  'syscheck_bulk',
]

const FIM_DECODERS: Record<string, string> = {
  added: 'syscheck_new_entry',
  modified: 'syscheck_integrity_changed',
  deleted: 'syscheck_deleted',
  bulk: 'syscheck_bulk',
}

/** Decodes `event` into `ev`; null when no native decoder applies (the raw line goes to XML). */
export function nativeDecode(event: Event, ev: LogEvent): { syscheck?: AlertData } | null {
  switch (event.kind) {
    case 'apparmor':
      decodeLogRecord(ev, event, { name: 'apparmor', type: 'syslog' })
      setStatic(ev, 'status', event.fields['apparmor.status'])
      setStatic(ev, 'extra_data', event.fields['apparmor.operation'])
      return {}
    case 'audit':
      decodeLogRecord(ev, event, { name: 'auditd', type: 'syslog' })
      return {}
    case 'fim':
      return { syscheck: decodeFim(ev, event) }
    case 'agent':
    case 'apparmor-state':
      ev.decoder = { name: 'armorwatch', type: 'ossec' }
      copyFields(ev, event)
      return {}
    default:
      return null
  }
}

function decodeLogRecord(ev: LogEvent, event: Event, decoder: DecoderRef): void {
  preDecode(ev)
  ev.decoder = decoder
  copyFields(ev, event)
}

/** The event's fields, read in place; the syslog envelope's are what the pre-decoder shows. */
function copyFields(ev: LogEvent, event: Event): void {
  ev.base = event.fields
  ev.exactNames = true
  const host = event.fields['syslog.hostname']
  if (typeof host === 'string' && ev.hostname === undefined) ev.hostname = host
  const prog = event.fields['syslog.program']
  if (typeof prog === 'string' && ev.programName === undefined) ev.programName = prog
}

function setStatic(ev: LogEvent, name: 'status' | 'extra_data', v: FieldValue | undefined): void {
  if (typeof v === 'string' || typeof v === 'number') ev.statics[name] = String(v)
}

// syscheck.<alert name> → the name Wazuh's FIM decoder gives rules (src/analysisd/decoders/syscheck.c).
const FIM_RULE_NAMES: Record<string, string> = {
  path: 'file',
  mode: 'mode',
  event: 'event_type',
  type: 'entry_type',
  size_after: 'size',
  perm_after: 'perm',
  uid_after: 'uid',
  gid_after: 'gid',
  uname_after: 'uname',
  gname_after: 'gname',
  md5_after: 'md5',
  sha1_after: 'sha1',
  sha256_after: 'sha256',
  mtime_after: 'mtime',
  inode_after: 'inode',
  changed_attributes: 'changed_fields',
  diff: 'changed_content',
  tags: 'tag',
  'audit.user.id': 'user_id',
  'audit.user.name': 'user_name',
  'audit.group.id': 'group_id',
  'audit.group.name': 'group_name',
  'audit.process.id': 'process_id',
  'audit.process.name': 'process_name',
  'audit.process.ppid': 'ppid',
  'audit.process.cwd': 'cwd',
  'audit.process.parent_name': 'parent_name',
  'audit.login_user.id': 'audit_uid',
  'audit.login_user.name': 'audit_name',
  'audit.effective_user.id': 'effective_uid',
  'audit.effective_user.name': 'effective_name',
}

function decodeFim(ev: LogEvent, event: Event): AlertData {
  const kind = String(event.fields['syscheck.event'] ?? 'modified')
  ev.decoder = { name: FIM_DECODERS[kind] ?? 'syscheck_integrity_changed', type: 'ossec' }
  const syscheck: AlertData = {}
  for (const [k, v] of Object.entries(event.fields)) {
    if (!k.startsWith('syscheck.')) {
      ev.dynamic.set(k, v)
      continue
    }
    const name = k.slice('syscheck.'.length)
    nest(syscheck, name, v as AlertValue)
    const ruleName = FIM_RULE_NAMES[name] ?? (name.endsWith('_before') ? name : undefined)
    if (ruleName !== undefined) ev.dynamic.set(ruleName, v)
  }
  return syscheck
}
