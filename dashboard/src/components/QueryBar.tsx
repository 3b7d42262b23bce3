/**
 * The query bar: the query language with field-name completion (from /api/alerts/fields) and the
 * API's syntax errors shown in place, with a caret under the column the message names.
 */
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from 'react'
import type { Field } from '../api/types.js'
import { errorColumn } from '../query.js'

/** The word being typed at the caret, if it can still be a field name (no `:` or quote yet). */
function fieldToken(text: string, caret: number): { start: number; word: string } | undefined {
  let start = caret
  while (start > 0 && /[A-Za-z0-9_@.-]/.test(text[start - 1] as string)) start--
  const word = text.slice(start, caret)
  if (!word || /^\d/.test(word) || /^(AND|OR|NOT)$/.test(word)) return undefined
  // Inside a quoted phrase nothing is a field name.
  const quotes = (text.slice(0, start).match(/(?<!\\)"/g) ?? []).length
  if (quotes % 2 === 1) return undefined
  // After `field:` comes a value, not a field.
  if (/:\s*\(?\s*$/.test(text.slice(0, start))) return undefined
  return { start, word }
}

export function QueryBar({ value, onSubmit, error, fields, busy }: { value: string; onSubmit: (q: string) => void; error?: string | undefined; fields: Field[]; busy: boolean }) {
  const [text, setText] = useState(value)
  const [caret, setCaret] = useState(value.length)
  const [open, setOpen] = useState(false)
  // -1: nothing chosen yet, so Enter runs the query; arrows choose, Tab takes the first.
  const [active, setActive] = useState(-1)
  const input = useRef<HTMLInputElement>(null)
  const listId = useId()
  const errId = useId()
  useEffect(() => setText(value), [value])

  const token = fieldToken(text, caret)
  const suggestions = useMemo(() => {
    if (!token) return []
    const w = token.word.toLowerCase()
    const starts = fields.filter((f) => f.name.toLowerCase().startsWith(w))
    const contains = fields.filter((f) => !f.name.toLowerCase().startsWith(w) && f.name.toLowerCase().includes(w))
    return [...starts, ...contains].filter((f) => f.name !== token.word).slice(0, 12)
  }, [token, fields])
  const showList = open && suggestions.length > 0

  const accept = (f: Field) => {
    if (!token) return
    const next = `${text.slice(0, token.start)}${f.name}: ${text.slice(caret)}`
    const pos = token.start + f.name.length + 2
    setText(next)
    setOpen(false)
    requestAnimationFrame(() => {
      input.current?.setSelectionRange(pos, pos)
      setCaret(pos)
    })
  }
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (showList && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault()
      setActive((a) => (e.key === 'ArrowDown' ? (a + 1) % suggestions.length : (Math.max(a, 0) + suggestions.length - 1) % suggestions.length))
    } else if (showList && (e.key === 'Tab' || (e.key === 'Enter' && active >= 0))) {
      e.preventDefault()
      accept(suggestions[Math.max(active, 0)] as Field)
    } else if (e.key === 'Escape') setOpen(false)
    else if (e.key === 'Enter') {
      e.preventDefault()
      onSubmit(text.trim())
    }
  }
  const col = error ? errorColumn(error) : undefined
  return (
    <div className="querybar">
      <div className="querybar-row">
        <div className="combo">
          <input
            ref={input}
            className="query-input"
            role="combobox"
            aria-label="Query"
            aria-expanded={showList}
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={showList && active >= 0 ? `${listId}-${active}` : undefined}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errId : undefined}
            spellCheck={false}
            autoComplete="off"
            placeholder='rule.groups: apparmor AND apparmor.operation: open | stats count by apparmor.profile'
            value={text}
            onChange={(e) => {
              setText(e.target.value)
              setCaret(e.target.selectionStart ?? e.target.value.length)
              setOpen(true)
              setActive(-1)
            }}
            onSelect={(e) => setCaret(e.currentTarget.selectionStart ?? 0)}
            onKeyDown={onKeyDown}
            onBlur={() => setTimeout(() => setOpen(false), 150)}
          />
          {showList && (
            <ul id={listId} role="listbox" className="completions" aria-label="Fields">
              {suggestions.map((f, i) => (
                <li
                  key={f.name}
                  id={`${listId}-${i}`}
                  role="option"
                  aria-selected={i === active}
                  className={i === active ? 'active' : undefined}
                  onMouseDown={(e) => {
                    e.preventDefault()
                    accept(f)
                  }}
                >
                  <span className="field-name">{f.name}</span>
                  <span className="field-type">{f.type}</span>
                  {f.example !== undefined ? <span className="field-example">{String(f.example)}</span> : null}
                </li>
              ))}
            </ul>
          )}
        </div>
        <button type="button" className="primary" onClick={() => onSubmit(text.trim())} disabled={busy}>
          {busy ? 'Running…' : 'Run'}
        </button>
      </div>
      {error && (
        <div id={errId} className="query-error" role="alert">
          {col !== undefined && (
            <pre aria-hidden="true">
              {value}
              {'\n'}
              {' '.repeat(Math.max(0, col - 1))}^
            </pre>
          )}
          <span>{error}</span>
        </div>
      )}
    </div>
  )
}
