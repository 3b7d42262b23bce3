/** The time range: presets and an absolute from/to, written to the URL (`from`, `to`). */
import { useState, type FormEvent } from 'react'
import { useSearchParams } from 'react-router'
import { DEFAULT_FROM, RANGE_PRESETS, toDate, useRange } from '../time.js'

/** `datetime-local` input value (local time) ↔ ISO. */
function toLocalInput(bound: string): string {
  const d = toDate(bound)
  if (!d) return ''
  const pad = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

export function TimePicker() {
  const [sp, setSp] = useSearchParams()
  const range = useRange()
  const [custom, setCustom] = useState(false)
  const [from, setFrom] = useState(toLocalInput(range.from))
  const [to, setTo] = useState(toLocalInput(range.to))
  const [error, setError] = useState<string | null>(null)
  const isPreset = range.to === 'now' && RANGE_PRESETS.some((p) => p.from === range.from)

  const setRange = (f: string, t: string) => {
    const next = new URLSearchParams(sp)
    if (f === DEFAULT_FROM) next.delete('from')
    else next.set('from', f)
    if (t === 'now') next.delete('to')
    else next.set('to', t)
    setSp(next)
  }
  const apply = (e: FormEvent) => {
    e.preventDefault()
    const f = Date.parse(from)
    const t = Date.parse(to)
    if (Number.isNaN(f) || Number.isNaN(t)) return setError('Both times are needed.')
    if (f >= t) return setError('From must be before to.')
    setError(null)
    setRange(new Date(f).toISOString(), new Date(t).toISOString())
    setCustom(false)
  }
  return (
    <div className="timepicker" role="group" aria-label="Time range">
      {RANGE_PRESETS.map((p) => (
        <button key={p.from} type="button" className={isPreset && range.from === p.from ? 'chip active' : 'chip'} aria-pressed={isPreset && range.from === p.from} onClick={() => setRange(p.from, 'now')}>
          {p.label}
        </button>
      ))}
      <button type="button" className={!isPreset ? 'chip active' : 'chip'} aria-expanded={custom} onClick={() => setCustom((c) => !c)}>
        {isPreset ? 'Custom…' : `${toLocalInput(range.from).replace('T', ' ')} → ${toLocalInput(range.to).replace('T', ' ')}`}
      </button>
      {custom && (
        <form className="custom-range" onSubmit={apply}>
          <label>
            From <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label>
            To <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          <button type="submit" className="primary">
            Apply
          </button>
          {error && <span className="error">{error}</span>}
        </form>
      )}
    </div>
  )
}
