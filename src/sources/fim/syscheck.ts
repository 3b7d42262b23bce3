/**
 * Reads a Wazuh `ossec.conf` `<syscheck>` block (or a file holding several `<ossec_config>` roots)
 * into our FIM configuration input, so that a Wazuh user's configuration is accepted verbatim.
 * Options we do not implement are reported as warnings, never silently dropped.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { FimConfigError, type FimConfigInput } from './config.js'

type Attrs = Record<string, string>
interface XmlNode {
  '#text'?: string | number
  ':@'?: Attrs
  [k: string]: unknown
}

const CHECKS = ['size', 'perm', 'owner', 'group', 'mtime', 'inode', 'md5', 'sha1', 'sha256'] as const
type CheckName = (typeof CHECKS)[number]
const CHECK_ATTRS: Record<string, readonly CheckName[]> = {
  check_all: CHECKS,
  check_sum: ['md5', 'sha1', 'sha256'],
  check_md5sum: ['md5'],
  check_sha1sum: ['sha1'],
  check_sha256sum: ['sha256'],
  check_size: ['size'],
  check_owner: ['owner'],
  check_group: ['group'],
  check_perm: ['perm'],
  check_mtime: ['mtime'],
  check_inode: ['inode'],
}
/** Options that need nothing from us on Linux or are handled elsewhere. */
const ACCEPTED = new Set(['disabled', 'skip_nfs', 'skip_dev', 'skip_sys', 'skip_proc', 'process_priority', 'max_eps', 'synchronization', 'database', 'file_limit', 'alert_new_files', 'auto_ignore', 'whodata'])

export interface SyscheckResult {
  config: FimConfigInput
  warnings: string[]
}

const yes = (v: string | undefined): boolean => v === 'yes'

/** Wazuh data units: a number with an optional B/KB/MB/GB suffix, KB when none (read_data_unit). */
export function parseDataUnit(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(b|kb|mb|gb)?\s*$/i.exec(text)
  if (!m) return undefined
  const mult = { b: 1, kb: 1024, mb: 2 ** 20, gb: 2 ** 30 }[(m[2] ?? 'kb').toLowerCase() as 'b']
  return Number(m[1]) * mult
}

/** Wazuh time values: seconds, or a number with s/m/h/d/w. */
function parseTime(text: string): number | undefined {
  const m = /^\s*(\d+)\s*([smhdw])?\s*$/i.exec(text)
  if (!m) return undefined
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 }[(m[2] ?? 's').toLowerCase() as 's']
}

function textOf(node: XmlNode): string {
  const t = node['#text']
  return t === undefined ? '' : String(t).trim()
}

/** Parses the XML text; throws FimConfigError with line and column for malformed XML. */
export function parseSyscheck(xml: string): SyscheckResult {
  // Wazuh's files may hold several roots (and comments before them): wrap them in one.
  const wrapped = `<root>${xml.replace(/<\?xml[^>]*\?>/, '')}</root>`
  const valid = XMLValidator.validate(wrapped)
  if (valid !== true) {
    // The wrapper adds 6 characters at the start of the first line only.
    const col = valid.err.line === 1 ? valid.err.col - 6 : valid.err.col
    throw new FimConfigError([`line ${valid.err.line}, column ${col}: ${valid.err.msg}`])
  }
  const parser = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false, parseAttributeValue: false, trimValues: true })
  const doc = parser.parse(wrapped) as XmlNode[]
  const warnings: string[] = []
  const config: Required<Pick<FimConfigInput, 'directories' | 'ignore' | 'nodiff'>> & FimConfigInput = { directories: [], ignore: [], nodiff: [] }
  const blocks: XmlNode[][] = []
  const find = (nodes: XmlNode[]): void => {
    for (const n of nodes) {
      if (Array.isArray(n.syscheck)) blocks.push(n.syscheck as XmlNode[])
      else for (const k of Object.keys(n)) if (k !== ':@' && Array.isArray(n[k])) find(n[k] as XmlNode[])
    }
  }
  find(doc)
  if (blocks.length === 0) throw new FimConfigError(['no <syscheck> element found'])
  let fileSizeLimit: number | undefined
  for (const block of blocks) {
    for (const node of block) {
      const name = Object.keys(node).find((k) => k !== ':@')
      if (!name || name === '#comment') continue
      const children = (node[name] as XmlNode[]) ?? []
      const value = children.map(textOf).join('')
      const attrs = node[':@'] ?? {}
      switch (name) {
        case 'directories':
          for (const path of value.split(',').map((p) => p.trim()).filter(Boolean)) {
            if (/[*?]/.test(path)) warnings.push(`${path}: wildcards in <directories> are not supported, ignored`)
            else config.directories.push(directoryFrom(path, attrs, warnings))
          }
          break
        case 'ignore':
        case 'nodiff': {
          const type = attrs.type === 'sregex' ? 'sregex' : 'prefix'
          if (attrs.type && attrs.type !== 'sregex') warnings.push(`<${name} type="${attrs.type}">: unknown type, read as a path`)
          config[name].push({ pattern: value, type })
          break
        }
        case 'frequency': {
          const s = parseTime(value)
          if (s === undefined || s <= 0) warnings.push(`<frequency>${value}</frequency>: not a duration, default kept`)
          else config.frequency_secs = s
          break
        }
        case 'scan_on_start':
          config.scan_on_start = yes(value)
          break
        case 'diff':
          for (const sub of children) {
            const subName = Object.keys(sub).find((k) => k !== ':@')
            if (subName !== 'file_size' && subName !== 'disk_quota') continue
            const parts = sub[subName] as XmlNode[]
            const enabled = parts.find((p) => 'enabled' in p)
            const limit = parts.find((p) => 'limit' in p)
            if (enabled && ((enabled.enabled as XmlNode[]).map(textOf).join('') === 'no')) continue
            const bytes = limit ? parseDataUnit((limit.limit as XmlNode[]).map(textOf).join('')) : undefined
            if (bytes === undefined) continue
            if (subName === 'file_size') fileSizeLimit = bytes
            else config.diff_disk_quota_bytes = bytes
          }
          break
        default:
          if (!ACCEPTED.has(name)) warnings.push(`<${name}>: not supported by armorwatch, ignored`)
      }
    }
  }
  if (fileSizeLimit !== undefined) config.diff_file_size_limit_bytes = fileSizeLimit
  return { config, warnings }
}

function directoryFrom(path: string, attrs: Attrs, warnings: string[]): NonNullable<FimConfigInput['directories']>[number] {
  const checks: Record<CheckName, boolean> = Object.fromEntries(CHECKS.map((c) => [c, true])) as Record<CheckName, boolean>
  const dir: NonNullable<FimConfigInput['directories']>[number] = { path }
  // Attribute order matters as in Wazuh: check_all="no" check_sha256sum="yes" keeps only sha256.
  for (const [k, v] of Object.entries(attrs)) {
    const covered = CHECK_ATTRS[k]
    if (covered) {
      for (const c of covered) checks[c] = yes(v)
      continue
    }
    switch (k) {
      case 'realtime':
      case 'whodata':
      case 'report_changes':
      case 'follow_symbolic_link':
        dir[k] = yes(v)
        break
      case 'recursion_level':
        if (/^\d+$/.test(v)) dir.recursion_level = Math.min(Number(v), 320)
        else warnings.push(`${path}: recursion_level="${v}" is not a number, default kept`)
        break
      case 'restrict':
        dir.restrict = v
        break
      case 'tags':
        dir.tags = v.split(',').map((t) => t.trim()).filter(Boolean)
        break
      case 'diff_size_limit': {
        const bytes = parseDataUnit(v)
        if (bytes === undefined) warnings.push(`${path}: diff_size_limit="${v}" is not a size, default kept`)
        else dir.diff_size_limit_bytes = bytes
        break
      }
      case 'check_attrs':
        break // Windows attributes
      default:
        warnings.push(`${path}: attribute ${k} not supported, ignored`)
    }
  }
  dir.checks = checks
  return dir
}
