/**
 * A loaded ruleset: decoders, rules, CDB lists and the evaluation state, with the entry points the
 * manager, `analyze`, `logtest` and `rules test` use. See src/rules/index.ts for the API.
 */
import { createHash } from 'node:crypto'
import { readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Event } from '../event/event.js'
import type { Alert, AlertData } from '../event/alert.js'
import { parseXml, XmlError, type XmlNode } from './xml.js'
import { DecoderSet, applyVars } from './decoders/xml-decoders.js'
import { compileRule, splitGroups, RuleError, type Rule } from './rule.js'
import { RuleTree } from './tree.js'
import { Evaluator, EngineState, type Verdict } from './engine.js'
import { loadList, type CdbList } from './lists.js'
import { listFiles, listKey, packageRoot, xmlFiles } from './files.js'
import { Mitre } from './mitre.js'
import { buildAlert, type AlertContext } from './alert-builder.js'
import { newLogEvent, type LogEvent } from './log-event.js'
import { preDecode } from './predecoder.js'
import type { LoadProblem } from './problems.js'
import { countEvent, newStats, type RulesStats } from './events.js'
import { nativeDecode, NATIVE_DECODER_NAMES } from './decoders/native.js'
import { parseLines } from '../normalize/index.js'

export interface RulesetOptions {
  /** A folder with `decoders/`, `rules/`, `lists/` used instead of the built-in ruleset. */
  ruleset?: string
  /** Extra rule files or folders, loaded after the base set (user rules). */
  rules?: readonly string[]
  /** Extra decoder files or folders, loaded after the base set. */
  decoders?: readonly string[]
  /**
   * Run the TypeScript decoders (apparmor, auditd, syscheck, armorwatch) on parsed events. On by
   * default for the built-in ruleset, off with `ruleset` (a Wazuh tree decodes only with its XML).
   */
  nativeDecoders?: boolean
  /** `manager.name` in alerts. */
  manager?: string
  /** Rewrites a file's text before parsing (the Wazuh test harness edits one stock rule). */
  transform?: (file: string, text: string) => string
}

export interface LoadedFile {
  readonly path: string
  readonly kind: 'rules' | 'decoders' | 'list'
}

/** Everything known about one processed event, for logtest and tests. */
export interface Outcome {
  readonly event: LogEvent
  readonly verdict: Verdict
  readonly alert: Alert | null
}

export class RulesetError extends Error {
  constructor(readonly problems: readonly LoadProblem[]) {
    super(`ruleset has ${problems.length} error(s):\n` + problems.map((p) => `${p.file}:${p.line}: ${p.message}`).join('\n'))
    this.name = 'RulesetError'
  }
}

export function builtinRulesetDir(): string {
  return join(packageRoot(), 'rules')
}

export class Ruleset {
  readonly decoders = new DecoderSet()
  readonly tree = new RuleTree()
  readonly lists = new Map<string, CdbList>()
  readonly problems: LoadProblem[] = []
  readonly files: LoadedFile[] = []
  readonly mitre: Mitre | undefined
  readonly native: boolean
  evaluator!: Evaluator
  /** Counters since load (not reset by `reset()`): events, decoders, alerts by level, drops. */
  readonly stats: RulesStats = newStats()
  private readonly hash = createHash('sha256')
  private counter = 0
  private readonly ctx: AlertContext
  private readonly transform: ((file: string, text: string) => string) | undefined

  constructor(opts: RulesetOptions = {}) {
    this.transform = opts.transform
    const base = opts.ruleset ?? builtinRulesetDir()
    this.native = opts.nativeDecoders ?? opts.ruleset === undefined
    const mitreFile = join(builtinRulesetDir(), 'mitre', 'enterprise-attack.json')
    this.mitre = existsSync(mitreFile) ? new Mitre(mitreFile) : undefined
    if (this.native) for (const n of NATIVE_DECODER_NAMES) this.decoders.names.add(n)
    if (existsSync(join(base, 'lists'))) this.addLists(join(base, 'lists'))
    const userFiles: string[] = []
    for (const p of [...(opts.decoders ?? []), ...(opts.rules ?? [])]) {
      try {
        userFiles.push(...xmlFiles(p))
      } catch (e) {
        this.problems.push({ file: p, line: 0, severity: 'error', message: `cannot read: ${(e as Error).message}` })
      }
    }
    const baseDecoders = existsSync(join(base, 'decoders')) ? xmlFiles(join(base, 'decoders')) : []
    const baseRules = existsSync(join(base, 'rules')) ? xmlFiles(join(base, 'rules')) : []
    const parsed = (file: string) => this.parse(file)
    const userParsed = [...new Set(userFiles)].map((f) => ({ file: f, nodes: parsed(f) }))
    for (const f of baseDecoders) this.addDecoders(f, parsed(f))
    for (const u of userParsed) if (isDecoderFile(u.nodes)) this.addDecoders(u.file, u.nodes)
    for (const f of baseRules) this.addRules(f, parsed(f))
    for (const u of userParsed) if (!isDecoderFile(u.nodes)) this.addRules(u.file, u.nodes)
    this.validate()
    const manager = opts.manager ?? 'armorwatch'
    this.ctx = {
      manager,
      ...(this.mitre !== undefined ? { mitre: this.mitre } : {}),
      nextId: (epoch: number) => `${epoch}.${++this.counter}`,
    }
    this.reset()
  }

  /** Short content hash of every loaded file: the ruleset version logtest and the manager report. */
  get version(): string {
    return this.versionHash
  }
  private versionHash = ''

  get errors(): LoadProblem[] {
    return this.problems.filter((p) => p.severity === 'error')
  }

  /** Forgets correlation state, counters and `check_diff` memory (a new logtest session). */
  reset(): void {
    this.evaluator = new Evaluator(this.tree, this.lists, new EngineState())
  }

  /** Decodes and evaluates a normalized event; returns its alert, or null. */
  analyze(event: Event): Alert | null {
    return this.process(event).alert
  }

  /**
   * Decodes and evaluates one raw log line as Wazuh would receive it. With the built-in decoders
   * on, a line the parsers recognise (an AppArmor or audit record in any envelope) goes through
   * them first, as in `analyze`; other lines go to the pre-decoder and XML decoders.
   */
  analyzeLine(line: string, opts: { location?: string; time?: number; agent?: LogEvent['agent'] } = {}): Outcome {
    if (this.native) {
      const parsed = parseLines(line, { location: opts.location ?? 'stdin' }).events[0]
      if (parsed !== undefined && parsed.kind !== 'syslog') {
        const event = { ...parsed, ...(opts.agent !== undefined ? { agent: opts.agent.id } : {}), ...(opts.time !== undefined ? { time: new Date(opts.time).toISOString() } : {}) }
        return this.process(event)
      }
    }
    return this.analyzeRaw(line, opts)
  }

  /** One line through the pre-decoder and XML decoders only, as Wazuh's analysisd takes it. */
  analyzeRaw(line: string, opts: { location?: string; time?: number; agent?: LogEvent['agent'] } = {}): Outcome {
    const ev = newLogEvent({ fullLog: line, location: opts.location ?? 'stdin', ...(opts.time !== undefined ? { time: opts.time } : {}), ...(opts.agent !== undefined ? { agent: opts.agent } : {}) })
    preDecode(ev)
    this.decoders.decode(ev)
    return this.evaluate(ev)
  }

  /** Decodes and evaluates a normalized event, returning every stage. */
  process(event: Event): Outcome {
    const time = Date.parse(event.time)
    const ev = newLogEvent({
      fullLog: event.raw,
      location: event.location,
      agent: { id: event.agent === '' ? '000' : event.agent, name: event.agent === '' ? 'localhost' : event.agent },
      time: Number.isNaN(time) ? Date.now() : time,
      source: event,
    })
    let syscheck: AlertData | undefined
    const native = this.native ? nativeDecode(event, ev) : null
    if (native === null) {
      preDecode(ev)
      this.decoders.decode(ev)
    } else syscheck = native.syscheck
    return this.evaluate(ev, syscheck)
  }

  private evaluate(ev: LogEvent, syscheck?: AlertData): Outcome {
    const verdict = this.evaluator.evaluate(ev)
    const alert =
      verdict.alert && verdict.rule !== null && !verdict.rule.options.has('no_log')
        ? buildAlert(verdict.rule, ev, verdict.firedtimes, this.ctx, syscheck, verdict.previous)
        : null
    countEvent(this.stats, ev.decoder?.name ?? '', verdict.rule?.level ?? null, alert !== null)
    return { event: ev, verdict, alert }
  }

  rule(id: number): Rule | undefined {
    return this.tree.nodes.get(id)?.rule
  }

  private parse(file: string): XmlNode[] {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
      if (this.transform !== undefined) text = this.transform(file, text)
    } catch (e) {
      this.problems.push({ file, line: 0, severity: 'error', message: `cannot read: ${(e as Error).message}` })
      return []
    }
    this.hash.update(file + '\0' + text + '\0')
    this.versionHash = ''
    try {
      return parseXml(text, file)
    } catch (e) {
      if (e instanceof XmlError) this.problems.push({ file, line: e.line, severity: 'error', message: e.message.slice(file.length + 1).replace(/^\d+: /, '') })
      else throw e
      return []
    }
  }

  private addLists(dir: string): void {
    for (const [rel, path] of listFiles(dir)) {
      try {
        this.lists.set(rel, loadList(path))
        this.files.push({ path, kind: 'list' })
      } catch (e) {
        this.problems.push({ file: path, line: 0, severity: 'error', message: `cannot read list: ${(e as Error).message}` })
      }
    }
  }

  private addDecoders(file: string, nodes: XmlNode[]): void {
    this.files.push({ path: file, kind: 'decoders' })
    this.decoders.addFile(nodes, file, this.problems)
  }

  private addRules(file: string, nodes: XmlNode[]): void {
    this.files.push({ path: file, kind: 'rules' })
    const vars = new Map<string, string>()
    const visit = (node: XmlNode, groups: readonly string[]) => {
      if (node.name === 'var') {
        vars.set(node.attrs.name ?? '', node.text.trim())
      } else if (node.name === 'group') {
        const g = [...groups, ...splitGroups(applyVars(node.attrs.name ?? '', vars))]
        for (const c of node.children) visit(c, g)
      } else if (node.name === 'rule') {
        try {
          const rule = compileRule(node, groups, file, vars)
          if (this.listsResolve(rule)) this.tree.add(rule, this.problems)
        } catch (e) {
          if (!(e instanceof RuleError)) throw e
          this.problems.push({ file, line: e.line, severity: 'error', message: `rule ${node.attrs.id ?? '?'}: ${e.message}` })
        }
      } else {
        this.problems.push({ file, line: node.line, severity: 'warning', message: `unexpected <${node.name}> ignored` })
      }
    }
    for (const n of nodes) visit(n, [])
  }

  /** Maps a rule's list paths to loaded lists; a rule naming a missing list is not loaded (as in Wazuh). */
  private listsResolve(rule: Rule): boolean {
    for (const l of rule.lists) {
      const key = listKey(l.path)
      const list = this.lists.get(key)
      if (list === undefined) {
        this.problems.push({ file: rule.file, line: rule.line, severity: 'warning', message: `rule ${rule.id} not loaded: list "${l.path}" not found` })
        return false
      }
      this.lists.set(l.path, list)
    }
    return true
  }

  /** Cross-checks after loading: decoder names, MITRE ids. */
  private validate(): void {
    for (const node of this.tree.nodes.values()) {
      const r = node.rule
      const at = { file: r.file, line: r.line }
      if (r.decodedAs !== undefined && !this.decoders.names.has(r.decodedAs) && !r.decodedAs.startsWith('syscheck_') && r.decodedAs !== 'ossec') {
        this.problems.push({ ...at, severity: 'warning', message: `rule ${r.id}: decoded_as "${r.decodedAs}" is not a loaded decoder` })
      }
      const parent = r.decodedAs !== undefined ? this.decoders.renamedTo(r.decodedAs) : undefined
      if (parent !== undefined) {
        this.problems.push({ ...at, severity: 'warning', message: `rule ${r.id}: decoded_as "${r.decodedAs}" never matches: that child decoder's events carry its parent's name "${parent}" (as in Wazuh)` })
      }
      if (this.mitre !== undefined) {
        for (const id of r.mitre) {
          if (!this.mitre.has(id)) this.problems.push({ ...at, severity: 'warning', message: `rule ${r.id}: unknown MITRE technique ${id}` })
        }
      }
    }
    this.versionHash = this.hash.digest('hex').slice(0, 12)
  }
}

function isDecoderFile(nodes: readonly XmlNode[]): boolean {
  return nodes.some((n) => n.name === 'decoder')
}

/** Loads a ruleset; throws RulesetError when a file has errors (warnings are kept in `problems`). */
export function loadRuleset(opts: RulesetOptions = {}): Ruleset {
  const rs = new Ruleset(opts)
  if (rs.errors.length > 0) throw new RulesetError(rs.errors)
  return rs
}
