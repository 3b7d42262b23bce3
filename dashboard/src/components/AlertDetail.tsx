/**
 * One alert: what fired (rule, level, MITRE links), the full log line, every decoded field (each
 * one a filter), and "show related": same process, same profile, same agent within ±5 minutes.
 * Everything comes from the event, so everything is rendered as text.
 */
import { Link } from 'react-router'
import type { Alert } from '../api/types.js'
import { explorerHref } from '../explore.js'
import { flatten, getPath } from '../fields.js'
import { term } from '../query.js'
import { formatTime, useRange, type Range } from '../time.js'
import { LevelBadge, text } from './ui.js'

export function mitreUrl(id: string): string | undefined {
  const m = /^(T\d{4})(?:\.(\d{3}))?$/.exec(id)
  if (!m) return undefined
  return `https://attack.mitre.org/techniques/${m[1]}/${m[2] ? `${m[2]}/` : ''}`
}

const WINDOW_MS = 5 * 60_000

function around(ts: string): Range {
  const t = Date.parse(ts)
  return { from: new Date(t - WINDOW_MS).toISOString(), to: new Date(t + WINDOW_MS).toISOString() }
}

/** The related queries that make sense for this alert. */
export function related(a: Alert, range: Range): { label: string; href: string }[] {
  const out: { label: string; href: string }[] = []
  const agent = a.agent?.id
  const pid = getPath(a, 'audit.pid') ?? getPath(a, 'apparmor.pid')
  const exe = getPath(a, 'audit.exe')
  const profile = getPath(a, 'apparmor.profile')
  if (agent !== undefined && (pid !== undefined || exe !== undefined)) {
    const parts = [term('agent.id', agent)]
    if (exe !== undefined) parts.push(term('audit.exe', exe))
    if (pid !== undefined) parts.push(term(getPath(a, 'audit.pid') !== undefined ? 'audit.pid' : 'apparmor.pid', pid))
    out.push({ label: 'Same process (±5 min)', href: explorerHref(parts.join(' AND '), around(a.timestamp)) })
  }
  if (profile !== undefined) out.push({ label: 'Same profile', href: explorerHref(term('apparmor.profile', profile), range) })
  if (agent !== undefined) out.push({ label: 'Same agent (±5 min)', href: explorerHref(term('agent.id', agent), around(a.timestamp)) })
  return out
}

export function AlertDetail({ alert, onFilter, onClose }: { alert: Alert; onFilter: (condition: string) => void; onClose: () => void }) {
  const range = useRange()
  const mitre = alert.rule.mitre
  const decoded = [...flatten(alert.data ?? {}, 'data'), ...flatten(alert.syscheck ?? {}, 'syscheck')].filter(([k]) => k !== 'syscheck.diff')
  const diff = typeof alert.syscheck?.diff === 'string' ? alert.syscheck.diff : undefined
  return (
    <aside className="detail" aria-labelledby="detail-title">
      <header>
        <h2 id="detail-title">
          <LevelBadge level={alert.rule.level} /> {alert.rule.description ?? `rule ${String(alert.rule.id)}`}
        </h2>
        <button type="button" className="ghost" onClick={onClose} aria-label="Close the alert detail">
          ✕
        </button>
      </header>
      <dl className="kv">
        <dt>Time</dt>
        <dd>{formatTime(alert.timestamp)}</dd>
        <dt>Agent</dt>
        <dd>
          {alert.agent?.name ?? ''} {alert.agent?.id ? <span className="muted">({alert.agent.id})</span> : null}
        </dd>
        <dt>Location</dt>
        <dd className="mono">{alert.location ?? ''}</dd>
        <dt>Decoder</dt>
        <dd>{[alert.decoder?.parent, alert.decoder?.name].filter(Boolean).join(' › ')}</dd>
        <dt>Alert id</dt>
        <dd className="mono">{alert.id}</dd>
      </dl>

      <h3>Related</h3>
      <div className="related">
        {related(alert, range).map((r) => (
          <Link key={r.label} className="chip" to={r.href}>
            {r.label}
          </Link>
        ))}
      </div>

      <h3>Full log</h3>
      <pre className="log">{alert.full_log ?? ''}</pre>

      {diff !== undefined && (
        <>
          <h3>Changes</h3>
          <DiffView diff={diff} />
        </>
      )}

      <h3>Rule</h3>
      <dl className="kv">
        <dt>Id</dt>
        <dd>
          <button type="button" className="link" onClick={() => onFilter(term('rule.id', String(alert.rule.id)))}>
            {String(alert.rule.id)}
          </button>
        </dd>
        <dt>Level</dt>
        <dd>{alert.rule.level}</dd>
        <dt>Groups</dt>
        <dd className="chips">
          {(alert.rule.groups ?? []).map((g) => (
            <button key={g} type="button" className="chip" onClick={() => onFilter(term('rule.groups', g))}>
              {g}
            </button>
          ))}
        </dd>
        {alert.rule.firedtimes !== undefined && (
          <>
            <dt>Fired</dt>
            <dd>{alert.rule.firedtimes} times</dd>
          </>
        )}
        {mitre?.id && mitre.id.length > 0 && (
          <>
            <dt>MITRE ATT&amp;CK</dt>
            <dd>
              <ul className="mitre">
                {mitre.id.map((id, i) => {
                  const url = mitreUrl(id)
                  return (
                    <li key={id}>
                      {url ? (
                        <a href={url} target="_blank" rel="noopener noreferrer">
                          {id}
                        </a>
                      ) : (
                        id
                      )}{' '}
                      {mitre.technique?.[i] ?? ''}
                    </li>
                  )
                })}
              </ul>
              {mitre.tactic && mitre.tactic.length > 0 ? <span className="muted">Tactics: {mitre.tactic.join(', ')}</span> : null}
            </dd>
          </>
        )}
      </dl>

      <h3>Decoded fields</h3>
      <FieldsTable fields={decoded} onFilter={onFilter} />
    </aside>
  )
}

/** Decoded fields as `path | value`, each value as text; with onFilter, a + adds `path: value` to the query. */
export function FieldsTable({ fields, onFilter }: { fields: [string, unknown][]; onFilter?: (condition: string) => void }) {
  return (
    <table className="fields">
      <tbody>
        {fields.map(([k, v]) => (
          <tr key={k}>
            <th scope="row" className="mono">
              {k}
            </th>
            <td className="mono">{text(v)}</td>
            {onFilter && (
              <td>
                {v !== null && typeof v !== 'object' ? (
                  <button type="button" className="ghost small" aria-label={`Filter on ${k}`} onClick={() => onFilter(term(k, typeof v === 'number' ? v : String(v)))}>
                    +
                  </button>
                ) : null}
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  )
}

/** A unified diff, line by line, coloured by its first character; text only. */
export function DiffView({ diff }: { diff: string }) {
  if (!diff.trim()) return <p className="empty">No textual change recorded.</p>
  return (
    <pre className="diff" aria-label="Diff">
      {diff.split('\n').map((line, i) => {
        const kind = line.startsWith('+++') || line.startsWith('---') ? 'file' : line.startsWith('@@') ? 'hunk' : line.startsWith('+') || line.startsWith('>') ? 'add' : line.startsWith('-') || line.startsWith('<') ? 'del' : 'ctx'
        return (
          <span key={i} className={`diff-${kind}`}>
            {line}
            {'\n'}
          </span>
        )
      })}
    </pre>
  )
}
