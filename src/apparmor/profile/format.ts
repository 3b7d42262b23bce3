/**
 * Canonical formatting: two-space indentation, one space between words, `key=value` and `(a b)`
 * without inner spaces, comments kept where they were (trailing ones stay on their line), at most
 * one blank line where the source had any. Formatting a formatted file changes nothing, and
 * parsing the output gives the same AST as the input (positions aside).
 */
import type { Conditional, Node, Profile, ProfileFile, Qualifiers, Word } from './ast.js'

export function formatProfile(file: ProfileFile): string {
  const out: string[] = []
  emit(file.body, 0, out, { last: 0 })
  return out.join('\n').replace(/\n{3,}/g, '\n\n').replace(/^\n+/, '') + '\n'
}

interface State {
  /** The last source line the output has reached, to keep blank lines. */
  last: number
}

function emit(nodes: readonly Node[], depth: number, out: string[], st: State): void {
  const pad = '  '.repeat(depth)
  for (const n of nodes) {
    if (n.type === 'comment' && n.trailing && out.length > 0) {
      out[out.length - 1] += ` #${n.text}`
      continue
    }
    if (st.last > 0 && n.pos.line > st.last + 1) out.push('')
    st.last = n.pos.line
    switch (n.type) {
      case 'comment':
        out.push(`${pad}#${n.text}`.trimEnd())
        break
      case 'abi':
        out.push(`${pad}abi ${n.angle ? `<${n.path}>` : JSON.stringify(n.path)},`)
        break
      case 'include':
        out.push(`${pad}${n.hash ? '#include' : 'include'}${n.ifExists ? ' if exists' : ''} ${n.angle ? `<${n.path}>` : n.bare ? n.path : JSON.stringify(n.path)}`)
        break
      case 'assign':
        out.push(`${pad}${n.variable} ${n.op} ${n.values.map((v) => v.text).join(' ')}`)
        st.last = lastLine(n)
        break
      case 'alias':
        out.push(`${pad}alias ${n.from.text} -> ${n.to.text},`)
        break
      case 'profile':
        out.push(`${pad}${header(n)} {`)
        emit(n.body, depth + 1, out, st)
        out.push(`${pad}}`)
        st.last++
        break
      case 'block':
        out.push(`${pad}${qualifierText(n.qualifiers)}{`)
        emit(n.body, depth + 1, out, st)
        out.push(`${pad}}`)
        st.last++
        break
      case 'if':
        conditional(n, depth, out, st)
        break
      case 'rule':
        out.push(`${pad}${qualifierText(n.qualifiers)}${words(n.words)},`)
        st.last = lastLine(n)
        break
    }
  }
}

function conditional(n: Conditional, depth: number, out: string[], st: State): void {
  const pad = '  '.repeat(depth)
  out.push(`${pad}if ${words(n.condition)} {`)
  emit(n.body, depth + 1, out, st)
  let e = n.else
  while (e) {
    if (Array.isArray(e)) {
      out.push(`${pad}} else {`)
      emit(e, depth + 1, out, st)
      break
    }
    const c = e as Conditional
    out.push(`${pad}} else if ${words(c.condition)} {`)
    emit(c.body, depth + 1, out, st)
    e = c.else
  }
  out.push(`${pad}}`)
  st.last++
}

function header(p: Profile): string {
  const parts: string[] = []
  if (p.keyword === '^') parts.push(`^${p.name.text}`)
  else parts.push(...(p.keyword ? [p.keyword] : []), p.name.text)
  if (p.attachment) parts.push(p.attachment.text)
  if (p.xattrs) parts.push(`xattrs=(${p.xattrs.map((w) => w.text).join(' ')})`)
  if (p.flags) parts.push(`${p.flagsKeyword ? 'flags=' : ''}(${p.flags.map((w) => w.text).join(', ')})`)
  return parts.join(' ')
}

export function qualifierText(q: Qualifiers): string {
  return (
    (q.priority !== undefined ? `priority=${q.priority} ` : '') + (q.audit ? 'audit ' : '') + (q.access ? `${q.access} ` : '') + (q.owner ? 'owner ' : '')
  )
}

/** Joins rule words: no space around `=`, after `(` or before `)`. */
export function words(ws: readonly Word[]): string {
  let s = ''
  let prev = ''
  for (const w of ws) {
    const tight = s === '' || prev === '=' || prev === '(' || w.text === '=' || w.text === ')'
    s += (tight ? '' : ' ') + w.text
    prev = w.text
  }
  return s
}

function lastLine(n: { pos: { line: number }; words?: readonly Word[]; values?: readonly Word[] }): number {
  const ws = n.words ?? n.values ?? []
  return Math.max(n.pos.line, ...ws.map((w) => w.pos.line))
}
