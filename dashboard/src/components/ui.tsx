/** Small building blocks shared by the pages. Everything from events is rendered as React text. */
import type { ReactNode } from 'react'
import type { ApiError } from '../api/client.js'
import { formatTime } from '../time.js'

export function Loading({ label = 'Loading' }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {label}…
    </div>
  )
}

export function ErrorBox({ error, what }: { error: ApiError | Error; what: string }) {
  const code = 'code' in error ? (error as ApiError).code : undefined
  return (
    <div className="error-box" role="alert">
      <strong>{what} failed</strong>
      {code ? <code>{code}</code> : null}
      <span>{error.message}</span>
    </div>
  )
}

export function Card({ title, actions, children, className }: { title: ReactNode; actions?: ReactNode; children: ReactNode; className?: string }) {
  return (
    <section className={`card ${className ?? ''}`}>
      <header>
        <h2>{title}</h2>
        {actions ? <div className="card-actions">{actions}</div> : null}
      </header>
      {children}
    </section>
  )
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>
}

/** Wazuh levels: 0-3 low, 4-7 medium, 8-11 high, 12-16 critical. */
export function severity(level: number): 'low' | 'medium' | 'high' | 'critical' {
  if (level >= 12) return 'critical'
  if (level >= 8) return 'high'
  if (level >= 4) return 'medium'
  return 'low'
}

export function LevelBadge({ level }: { level: unknown }) {
  const n = Number(level)
  if (!Number.isFinite(n)) return null
  return (
    <span className={`level level-${severity(n)}`} title={`Level ${n} (${severity(n)})`}>
      {n}
    </span>
  )
}

/** A cell value as text: arrays joined, objects as JSON, times localized. */
export function text(value: unknown, field?: string): string {
  if (value === undefined || value === null) return ''
  if (Array.isArray(value)) return value.map((v) => text(v)).join(', ')
  if (typeof value === 'object') return JSON.stringify(value)
  if (field && /(^|\.)(timestamp|time|last_seen|last_seen_at|last_change|enrolled_at|revoked_at)$|^max\(timestamp\)$/.test(field)) return formatTime(value)
  return String(value)
}

export function Stat({ label, value, hint, onClick }: { label: string; value: ReactNode; hint?: ReactNode; onClick?: () => void }) {
  const body = (
    <>
      <span className="stat-value">{value}</span>
      <span className="stat-label">{label}</span>
      {hint ? <span className="stat-hint">{hint}</span> : null}
    </>
  )
  return onClick ? (
    <button type="button" className="stat" onClick={onClick}>
      {body}
    </button>
  ) : (
    <div className="stat">{body}</div>
  )
}

/** Change against the previous period, as `+12 %` with a direction class (more denials is "up"). */
export function Delta({ now, before }: { now: number; before: number }) {
  if (before === 0 && now === 0) return <span className="delta flat">no change</span>
  if (before === 0) return <span className="delta up">new</span>
  const pct = Math.round(((now - before) / before) * 100)
  const cls = pct > 0 ? 'up' : pct < 0 ? 'down' : 'flat'
  return (
    <span className={`delta ${cls}`} title={`previous period: ${before}`}>
      {pct > 0 ? '▲' : pct < 0 ? '▼' : '='} {Math.abs(pct)} % vs previous
    </span>
  )
}
