/**
 * Wazuh XML decoders: loading (src/analysisd/decoders/decode-xml.c) and selection and extraction
 * exactly as `DecodeEvent` (src/analysisd/decoders/decoder.c) does it:
 * - two root lists, with and without `<program_name>`; an event with a program name is only tried
 *   against the first, one without against the second; the first matching root is final;
 * - its children are scanned in order: a child with a `prematch` that matches, or the first child
 *   without one, is chosen; children sharing a name form a chain whose regexes all run (a failing
 *   one is skipped while more follow);
 * - captures are stored through `<order>`; a child is named after its parent unless `use_own_name`.
 */
import type { XmlNode } from '../xml.js'
import { Expression, PatternError, type ExpressionType, EXPRESSION_TYPES } from '../match/expression.js'
import { isStaticField, type LogEvent } from '../log-event.js'
import { decodeJson, type NullPolicy } from './json.js'
import type { LoadProblem } from '../problems.js'

type Offset = 'none' | 'after_parent' | 'after_prematch' | 'after_regex'

export interface XmlDecoder {
  readonly name: string
  readonly parentName?: string
  readonly file: string
  readonly line: number
  programName?: Expression
  prematch?: Expression
  prematchOffset: Offset
  regex?: Expression
  regexOffset: Offset
  order: string[]
  /** The `<type>`; undefined when not given (a child then takes its parent's, a root is syslog). */
  type: string | undefined
  plugin?: { name: string; offset: Offset }
  jsonNulls: NullPolicy
  useOwnName: boolean
  fts?: string[]
}

interface Root {
  readonly decoder: XmlDecoder
  /** Children grouped in chains of same-named decoders, in first-appearance order. */
  readonly chains: XmlDecoder[][]
}

const OFFSETS: readonly Offset[] = ['after_parent', 'after_prematch', 'after_regex']

export class DecoderSet {
  private readonly withProgram: Root[] = []
  private readonly withoutProgram: Root[] = []
  private readonly childChains = new Map<string, XmlDecoder[][]>()
  /** Every decoder name, for `decoded_as` validation. */
  readonly names = new Set<string>()
  /** Child decoders that take their parent's name (no `use_own_name`): name → parent. */
  private readonly renamed = new Map<string, string>()
  private readonly rootNames = new Set<string>()

  /** The parent whose name events decoded by child `name` carry, when `name` is no root itself. */
  renamedTo(name: string): string | undefined {
    return this.rootNames.has(name) ? undefined : this.renamed.get(name)
  }

  /** Parses the `<decoder>` elements of one file; problems are collected, not thrown. */
  addFile(nodes: readonly XmlNode[], file: string, problems: LoadProblem[]): void {
    const vars = new Map<string, string>()
    for (const node of nodes) {
      if (node.name === 'var') {
        vars.set(node.attrs.name ?? '', node.text.trim())
        continue
      }
      if (node.name !== 'decoder') {
        problems.push({ file, line: node.line, severity: 'warning', message: `unexpected <${node.name}> at top level ignored` })
        continue
      }
      try {
        const unsupported: string[] = []
        this.add(compileDecoder(node, file, vars, unsupported))
        for (const message of unsupported) problems.push({ file, line: node.line, severity: 'warning', message: `decoder "${node.attrs.name}": ${message}` })
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e)
        problems.push({ file, line: node.line, severity: 'error', message: `decoder "${node.attrs.name ?? '?'}": ${msg}` })
      }
    }
  }

  private add(d: XmlDecoder): void {
    this.names.add(d.name)
    if (d.parentName === undefined) {
      this.rootNames.add(d.name)
      // Roots sharing a name are separate roots (tried in load order) sharing one set of children.
      let chains = this.childChains.get(d.name)
      if (chains === undefined) {
        chains = []
        this.childChains.set(d.name, chains)
      }
      ;(d.programName !== undefined ? this.withProgram : this.withoutProgram).push({ decoder: d, chains })
      return
    }
    if (!d.useOwnName && d.name !== d.parentName) this.renamed.set(d.name, d.parentName)
    const chains = this.childChains.get(d.parentName)
    if (chains === undefined) throw new Error(`parent decoder "${d.parentName}" of "${d.name}" is not a loaded root decoder`)
    const chain = chains.find((c) => c[0]?.name === d.name)
    if (chain !== undefined) chain.push(d)
    else chains.push([d])
  }

  /** Decodes `ev` in place; returns false when no decoder matched. */
  decode(ev: LogEvent): boolean {
    const log = ev.log
    const roots = ev.programName !== undefined ? this.withProgram : this.withoutProgram
    for (const root of roots) {
      const d = root.decoder
      if (d.programName !== undefined && ev.programName !== undefined && !d.programName.test(ev.programName)) continue
      let pmatch = 0
      if (d.prematch !== undefined) {
        const m = d.prematch.exec(log)
        if (m === null || d.prematch.negate) continue
        pmatch = m.end
      }
      const rootType = d.type ?? 'syslog'
      ev.decoder = { name: d.name, type: rootType, ...(d.fts !== undefined ? { fts: d.fts } : {}) }
      let chain: XmlDecoder[]
      let cmatch = pmatch
      if (root.chains.length === 0) chain = [d]
      else {
        let chosen: XmlDecoder[] | undefined
        for (const c of root.chains) {
          const first = c[0] as XmlDecoder
          if (first.prematch === undefined) {
            chosen = c
            break
          }
          const input = first.prematchOffset === 'after_parent' ? log.slice(pmatch) : log
          const m = first.prematch.exec(input)
          if (m !== null) {
            cmatch = m.end + (log.length - input.length)
            chosen = c
            break
          }
        }
        if (chosen === undefined) return true
        chain = chosen
        const first = chain[0] as XmlDecoder
        const type = first.type ?? rootType
        const fts = first.fts ?? d.fts
        ev.decoder = {
          name: first.useOwnName ? first.name : d.name,
          parent: d.name,
          type,
          ...(fts !== undefined ? { fts } : {}),
        }
      }
      runChain(ev, chain, pmatch, cmatch)
      return true
    }
    return false
  }
}

function runChain(ev: LogEvent, chain: readonly XmlDecoder[], pmatch: number, cmatch: number): void {
  const log = ev.log
  let prev: number | undefined
  for (let i = 0; i < chain.length; i++) {
    const d = chain[i] as XmlDecoder
    const more = i < chain.length - 1
    if (d.plugin !== undefined) {
      const at = offsetStart(d.plugin.offset, pmatch, cmatch, prev)
      decodeJson(ev, log.slice(at), d.jsonNulls)
      return
    }
    if (d.regex === undefined) return
    const at = offsetStart(d.regexOffset, pmatch, cmatch, prev)
    const m = d.regex.exec(log.slice(at))
    if (m === null) {
      if (more) continue
      return
    }
    prev = at + m.end
    m.captures.forEach((value, k) => {
      const name = d.order[k]
      if (name !== undefined && name !== '') setField(ev, name, value)
    })
    if (!more) return
  }
}

function offsetStart(offset: Offset, pmatch: number, cmatch: number, prev: number | undefined): number {
  switch (offset) {
    case 'after_parent':
      return pmatch
    case 'after_prematch':
      return cmatch
    case 'after_regex':
      return prev ?? cmatch
    default:
      return 0
  }
}

function setField(ev: LogEvent, name: string, value: string): void {
  const key = name === 'user' ? 'dstuser' : name
  if (isStaticField(key)) ev.statics[key] = value
  else ev.dynamic.set(name, value)
}

function expression(node: XmlNode, fallback: ExpressionType, vars: ReadonlyMap<string, string>, text?: string): Expression {
  const t = node.attrs.type
  const type: ExpressionType = t !== undefined && (EXPRESSION_TYPES as readonly string[]).includes(t) ? (t as ExpressionType) : fallback
  try {
    return new Expression(type, applyVars(text ?? node.text, vars), node.attrs.negate === 'yes')
  } catch (e) {
    if (e instanceof PatternError) throw new Error(`<${node.name}> on line ${node.line}: ${e.message}`, { cause: e })
    throw e
  }
}

/** Replaces `$NAME` by the value of `<var name="NAME">`. */
export function applyVars(text: string, vars: ReadonlyMap<string, string>): string {
  if (vars.size === 0 || !text.includes('$')) return text
  return text.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, name: string) => vars.get(name) ?? all)
}

function offsetOf(node: XmlNode): Offset {
  const o = node.attrs.offset
  if (o === undefined) return 'none'
  if ((OFFSETS as readonly string[]).includes(o)) return o as Offset
  throw new Error(`<${node.name}> on line ${node.line}: invalid offset "${o}"`)
}

function compileDecoder(node: XmlNode, file: string, vars: ReadonlyMap<string, string>, unsupported: string[]): XmlDecoder {
  const name = node.attrs.name
  if (name === undefined || name === '') throw new Error('missing name attribute')
  const d: XmlDecoder = {
    name,
    file,
    line: node.line,
    prematchOffset: 'none',
    regexOffset: 'none',
    order: [],
    type: undefined,
    useOwnName: false,
    jsonNulls: 'string',
  }
  let parentName: string | undefined
  const regexParts: XmlNode[] = []
  const prematchParts: XmlNode[] = []
  const programParts: XmlNode[] = []
  for (const c of node.children) {
    const text = c.text.trim()
    switch (c.name) {
      case 'parent':
        parentName = text
        break
      case 'program_name':
        programParts.push(c)
        break
      case 'prematch':
        prematchParts.push(c)
        break
      case 'regex':
        regexParts.push(c)
        break
      case 'order':
        d.order = text.split(',').map((s) => s.trim())
        break
      case 'type':
        d.type = text
        break
      case 'plugin_decoder':
        // Only JSON_Decoder is implemented; the others (PF_, SonicWall_, SymantecWS_, OSSECAlert_)
        // leave the decoder matching without extracting fields.
        if (text === 'JSON_Decoder') d.plugin = { name: text, offset: offsetOf(c) }
        else unsupported.push(`plugin decoder "${text}" is not supported: the decoder extracts no fields`)
        break
      case 'json_null_field':
        if (text === 'discard' || text === 'empty' || text === 'string') d.jsonNulls = text
        else throw new Error(`invalid json_null_field "${text}" on line ${c.line}`)
        break
      case 'use_own_name':
        d.useOwnName = text === 'true'
        break
      case 'fts':
        d.fts = text.split(',').map((f) => f.trim()).filter((f) => f !== '')
        break
      case 'ftscomment':
      case 'accumulate':
      case 'json_array_structure':
      case 'var':
        break
      default:
        throw new Error(`unknown element <${c.name}> on line ${c.line}`)
    }
  }
  // Repeated elements are concatenated (os_xml + strcat); an attribute given on any of them holds
  // unless a later one gives it again (decode-xml.c sets it when present, never resets it).
  const merged = (parts: XmlNode[]): XmlNode => {
    const attrs: Record<string, string> = {}
    for (const p of parts) Object.assign(attrs, p.attrs)
    const first = parts[0] as XmlNode
    return { name: first.name, attrs, children: [], text: parts.map((x) => x.text).join(''), line: first.line }
  }
  if (programParts.length > 0) d.programName = expression(merged(programParts), 'osmatch', vars)
  if (prematchParts.length > 0) {
    const p = merged(prematchParts)
    d.prematch = expression(p, 'osregex', vars)
    d.prematchOffset = offsetOf(p)
  }
  if (regexParts.length > 0) {
    const r = merged(regexParts)
    d.regex = expression(r, 'osregex', vars)
    d.regexOffset = offsetOf(r)
  }
  if (parentName === undefined && d.programName === undefined && d.prematch === undefined) {
    throw new Error('a root decoder needs <program_name> or <prematch>')
  }
  return parentName !== undefined ? { ...d, parentName } : d
}
