/**
 * Integrity: profile additions, modifications and deletions over time and per host (FIM alerts,
 * `syscheck.*`), the list of changes, and for the selected one its diff (report_changes) and who
 * made it when who-data knew.
 */
import { Link, useSearchParams } from 'react-router'
import { useApi } from '../api/hooks.js'
import type { Alert, QueryResult } from '../api/types.js'
import { DiffView } from '../components/AlertDetail.js'
import { TimeSeries } from '../components/charts.js'
import { DataTable } from '../components/DataTable.js'
import { Card, Empty, ErrorBox, LevelBadge, Loading } from '../components/ui.js'
import { bucketRange, explorerHref, useExplore } from '../explore.js'
import { getPath } from '../fields.js'
import { term } from '../query.js'
import { formatTime, spanFor, spanMs, useRange } from '../time.js'

const FIM = 'syscheck.path: *'
const EVENTS = ['added', 'modified', 'deleted'] as const

export default function Integrity() {
  const range = useRange()
  const explore = useExplore()
  const [sp, setSp] = useSearchParams()
  const span = spanFor(range)
  const timeline = useApi<QueryResult>('/api/alerts', { q: `${FIM} | timechart span=${span} count by syscheck.event`, from: range.from, to: range.to })
  const perHost = useApi<QueryResult>('/api/alerts', { q: `${FIM} | stats count by agent.name, syscheck.event`, from: range.from, to: range.to })
  const changes = useApi<QueryResult>('/api/alerts/fim', { from: range.from, to: range.to, limit: 200 })
  const sel = sp.get('sel')
  const rows = (changes.data?.rows ?? []) as unknown as Alert[]
  const selected = rows.find((r) => r.id === sel) ?? rows[0]

  const hosts = new Map<string, Record<string, number>>()
  for (const r of perHost.data?.rows ?? []) {
    const h = String(r['agent.name'] ?? '')
    const m = hosts.get(h) ?? {}
    m[String(r['syscheck.event'])] = Number(r.count ?? 0)
    hosts.set(h, m)
  }
  const error = timeline.error ?? perHost.error ?? changes.error
  return (
    <section className="page" aria-labelledby="integrity-title">
      <h1 id="integrity-title">Integrity</h1>
      {error && <ErrorBox error={error} what="Loading file integrity events" />}
      <div className="grid">
        <Card title="Profile changes over time" className="wide" actions={<Link to={explorerHref(`${FIM} | timechart span=${span} count by syscheck.event`, range)}>Explore</Link>}>
          {timeline.data ? (
            <TimeSeries
              label="File integrity events over time by kind"
              range={range}
              rows={timeline.data.rows}
              seriesField="syscheck.event"
              spanMs={spanMs(span)}
              onPick={(bucket, ev) => explore(ev ? `${FIM} AND ${term('syscheck.event', ev)}` : FIM, bucketRange(bucket, spanMs(span)))}
            />
          ) : (
            <Loading />
          )}
        </Card>
        <Card title="Per host" className="wide">
          {perHost.data && hosts.size === 0 && <Empty>No file integrity events in this range.</Empty>}
          {hosts.size > 0 && (
            <div className="table-wrap">
              <table className="data">
                <thead>
                  <tr>
                    <th scope="col">host</th>
                    {EVENTS.map((e) => (
                      <th key={e} scope="col" className="num">
                        {e}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {[...hosts].map(([host, m]) => (
                    <tr key={host}>
                      <th scope="row">{host}</th>
                      {EVENTS.map((e) => (
                        <td key={e} className="num">
                          {m[e] ? (
                            <button type="button" className="link" onClick={() => explore(`${FIM} AND ${term('agent.name', host)} AND ${term('syscheck.event', e)}`)}>
                              {m[e]}
                            </button>
                          ) : (
                            <span className="muted">0</span>
                          )}
                        </td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Card>
      </div>
      <div className="split">
        <Card title="Changes">
          {!changes.data && !changes.error && <Loading />}
          {changes.data && rows.length === 0 && <Empty>No file integrity events in this range.</Empty>}
          {rows.length > 0 && (
            <DataTable
              caption="File integrity events"
              columns={[
                { key: 'timestamp' },
                { key: 'agent.name', label: 'host' },
                { key: 'syscheck.event', label: 'event', render: (r) => <span className={`event event-${String(getPath(r, 'syscheck.event'))}`}>{String(getPath(r, 'syscheck.event') ?? '')}</span> },
                { key: 'syscheck.path', label: 'path' },
                { key: 'rule.level', label: 'level' },
              ]}
              rows={changes.data?.rows ?? []}
              rowKey={(r, i) => String(r.id ?? i)}
              selected={selected?.id ?? null}
              onSelect={(r) => {
                const next = new URLSearchParams(sp)
                next.set('sel', String(r.id))
                setSp(next)
              }}
            />
          )}
        </Card>
        {selected && <Change alert={selected} />}
      </div>
    </section>
  )
}

function Change({ alert }: { alert: Alert }) {
  const s = (k: string) => getPath(alert, `syscheck.${k}`)
  const who = [
    ['user', s('audit.user.name') ?? s('audit.user.id')],
    ['login user', s('audit.login_user.name') ?? s('audit.login_user.id')],
    ['effective user', s('audit.effective_user.name') ?? s('audit.effective_user.id')],
    ['process', s('audit.process.name')],
    ['process id', s('audit.process.id')],
  ].filter(([, v]) => v !== undefined) as [string, unknown][]
  const diff = s('diff')
  return (
    <aside className="detail" aria-labelledby="change-title">
      <header>
        <h2 id="change-title">
          <LevelBadge level={alert.rule.level} /> {alert.rule.description ?? ''}
        </h2>
      </header>
      <dl className="kv">
        <dt>Path</dt>
        <dd className="mono">{String(s('path') ?? '')}</dd>
        <dt>Event</dt>
        <dd>{String(s('event') ?? '')}</dd>
        <dt>When</dt>
        <dd>{formatTime(alert.timestamp)}</dd>
        <dt>Host</dt>
        <dd>{alert.agent?.name ?? ''}</dd>
        {s('size_after') !== undefined && (
          <>
            <dt>Size</dt>
            <dd>
              {String(s('size_before') ?? '–')} → {String(s('size_after'))}
            </dd>
          </>
        )}
        {s('sha256_after') !== undefined && (
          <>
            <dt>SHA-256</dt>
            <dd className="mono small">{String(s('sha256_after'))}</dd>
          </>
        )}
      </dl>
      <h3>Who</h3>
      {who.length === 0 ? (
        <p className="muted">Not known (who-data needs kernel audit on the agent).</p>
      ) : (
        <dl className="kv">
          {who.map(([k, v]) => (
            <div key={k} className="kv-row">
              <dt>{k}</dt>
              <dd>{String(v)}</dd>
            </div>
          ))}
        </dl>
      )}
      <h3>Diff</h3>
      {typeof diff === 'string' ? <DiffView diff={diff} /> : <p className="muted">No diff recorded (report_changes is off for this path, or the file was added or deleted).</p>}
    </aside>
  )
}
