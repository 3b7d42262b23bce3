/**
 * Wazuh ruleset test files (`ruleset/testing/tests/*.ini`), read the way runtests.py reads them:
 * Python's RawConfigParser with strict=False and a multi-valued dict, so a repeated key appends
 * (its lines then run in one logtest session) and a repeated section merges. Keys are
 * lower-cased, `=` or `:` separates key and value (the first one on the line), indented lines
 * continue the previous value, whole-line `#`/`;` comments are skipped.
 */

export interface IniSection {
  readonly name: string
  readonly line: number
  /** Keys in first-appearance order, each with every value given. */
  readonly values: Map<string, string[]>
}

export function parseIni(text: string): IniSection[] {
  const sections = new Map<string, IniSection>()
  let current: IniSection | undefined
  let lastKey: string | undefined
  const lines = text.split('\n')
  lines.forEach((raw, i) => {
    const line = raw.replace(/\r$/, '')
    const trimmed = line.trim()
    if (trimmed === '') return
    if (/^\s/.test(line) && current !== undefined && lastKey !== undefined) {
      const vals = current.values.get(lastKey) as string[]
      vals[vals.length - 1] += '\n' + trimmed
      return
    }
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) return
    const sec = /^\[(.*)\]\s*$/.exec(trimmed)
    if (sec !== null) {
      const name = sec[1] as string
      current = sections.get(name)
      if (current === undefined) {
        current = { name, line: i + 1, values: new Map() }
        sections.set(name, current)
      }
      lastKey = undefined
      return
    }
    if (current === undefined) return
    const m = /^(.*?)\s*[=:]\s*(.*)$/.exec(line)
    if (m === null) return
    const key = (m[1] as string).trim().toLowerCase()
    const value = (m[2] as string).trim()
    const vals = current.values.get(key)
    if (vals === undefined) current.values.set(key, [value])
    else vals.push(value)
    lastKey = key
  })
  return [...sections.values()]
}

/** One logtest run: the lines of one `log N pass|fail` key. */
export interface IniCase {
  readonly section: string
  readonly line: number
  readonly key: string
  readonly lines: readonly string[]
  /** True for `... fail` keys: the expectation must NOT hold. */
  readonly negated: boolean
  readonly expect: { rule: string; alert: string; decoder: string }
}

export function iniCases(sections: readonly IniSection[]): IniCase[] {
  const out: IniCase[] = []
  for (const s of sections) {
    const get = (k: string) => (s.values.get(k) ?? []).join('\n')
    const expect = { rule: get('rule'), alert: get('alert'), decoder: get('decoder') }
    for (const [key, vals] of s.values) {
      if (!key.startsWith('log ')) continue
      out.push({
        section: s.name,
        line: s.line,
        key,
        lines: vals.flatMap((v) => v.split('\n')),
        negated: key.endsWith('fail'),
        expect,
      })
    }
  }
  return out
}
