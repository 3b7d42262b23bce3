/**
 * A tolerant XML reader for Wazuh rule and decoder files, which are not well-formed XML: several
 * top-level elements, no root, and regexes with bare `&`, `<` and `>` in element text. Like
 * Wazuh's os_xml, `<` starts markup only when followed by a name, `/`, `!` or `?`; text is taken
 * verbatim (no entity decoding); comments and processing instructions are skipped.
 */

export interface XmlNode {
  readonly name: string
  readonly attrs: Readonly<Record<string, string>>
  readonly children: XmlNode[]
  /** The element's own text (concatenated, not trimmed). */
  text: string
  /** 1-based line of the start tag. */
  readonly line: number
}

export class XmlError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(`${file}:${line}: ${message}`)
    this.name = 'XmlError'
  }
}

const NAME_START = /[A-Za-z_:]/
const NAME_CHAR = /[A-Za-z0-9_:.-]/

/** True when the `<` at `at` follows an odd number of backslashes (`\\<` is escaped, `\\\\<` is not). */
function escaped(text: string, at: number): boolean {
  let n = 0
  for (let k = at - 1; k >= 0 && text.charCodeAt(k) === 92; k--) n++
  return n % 2 === 1
}

/** Parses `text` into its top-level elements; throws XmlError with the line of the problem. */
export function parseXml(text: string, file = '<input>'): XmlNode[] {
  const top: XmlNode[] = []
  const stack: XmlNode[] = []
  let i = 0
  let line = 1
  const n = text.length

  const advanceTo = (to: number) => {
    for (let k = i; k < to; k++) if (text.charCodeAt(k) === 10) line++
    i = to
  }
  const fail = (msg: string): never => {
    throw new XmlError(msg, file, line)
  }

  while (i < n) {
    let lt = text.indexOf('<', i)
    while (lt > 0 && escaped(text, lt)) lt = text.indexOf('<', lt + 1)
    const textEnd = lt < 0 ? n : lt
    if (textEnd > i) {
      const parent = stack[stack.length - 1]
      if (parent !== undefined) parent.text += text.slice(i, textEnd)
      advanceTo(textEnd)
    }
    if (lt < 0) break
    const next = text[i + 1] ?? ''
    if (text.startsWith('<!--', i)) {
      const end = text.indexOf('-->', i + 4)
      if (end < 0) fail('unterminated comment')
      advanceTo(end + 3)
    } else if (next === '?' || next === '!') {
      const end = text.indexOf('>', i)
      if (end < 0) fail('unterminated declaration')
      advanceTo(end + 1)
    } else if (next === '/') {
      const end = text.indexOf('>', i)
      if (end < 0) fail('unterminated closing tag')
      const name = text.slice(i + 2, end).trim()
      const open = stack.pop()
      if (open === undefined) fail(`closing tag </${name}> without an open element`)
      else if (open.name !== name) fail(`closing tag </${name}> does not match <${open.name}> opened on line ${open.line}`)
      advanceTo(end + 1)
    } else if (NAME_START.test(next)) {
      const startLine = line
      let j = i + 1
      while (j < n && NAME_CHAR.test(text[j] as string)) j++
      const name = text.slice(i + 1, j)
      const attrs: Record<string, string> = {}
      let selfClosing = false
      for (;;) {
        while (j < n && /\s/.test(text[j] as string)) j++
        if (j >= n) fail(`unterminated tag <${name}>`)
        const c = text[j]
        if (c === '>') {
          j++
          break
        }
        if (c === '/' && text[j + 1] === '>') {
          selfClosing = true
          j += 2
          break
        }
        const ks = j
        while (j < n && NAME_CHAR.test(text[j] as string)) j++
        const key = text.slice(ks, j)
        if (key === '') fail(`unexpected "${c}" in tag <${name}>`)
        while (j < n && /\s/.test(text[j] as string)) j++
        if (text[j] !== '=') {
          attrs[key] = ''
          continue
        }
        j++
        while (j < n && /\s/.test(text[j] as string)) j++
        const q = text[j]
        if (q !== '"' && q !== "'") fail(`attribute ${key} of <${name}> is not quoted`)
        const ve = text.indexOf(q as string, j + 1)
        if (ve < 0) fail(`unterminated value of attribute ${key} in <${name}>`)
        attrs[key] = text.slice(j + 1, ve)
        j = ve + 1
      }
      const node: XmlNode = { name, attrs, children: [], text: '', line: startLine }
      const parent = stack[stack.length - 1]
      if (parent !== undefined) parent.children.push(node)
      else top.push(node)
      if (!selfClosing) stack.push(node)
      advanceTo(j)
    } else {
      // A bare `<` in text (regexes): keep it as text.
      const parent = stack[stack.length - 1]
      if (parent !== undefined) parent.text += '<'
      advanceTo(i + 1)
    }
  }
  const open = stack.pop()
  if (open !== undefined) throw new XmlError(`element <${open.name}> is never closed`, file, open.line)
  return top
}
