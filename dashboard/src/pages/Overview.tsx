/**
 * Overview: alert counts by level, denials by profile, top denied operations, the violation trend,
 * top agents, MITRE ATT&CK tactics and techniques, and the live feed. Every chart opens the
 * explorer with its query. Sets the `aw:overview-drawn` performance mark once its data is drawn
 * (bench/dashboard.ts measures first meaningful paint with it).
 */
import { useEffect, useRef } from 'react'
import { Link } from 'react-router'
import { useApi } from '../api/hooks.js'
import type { Alert, Named, Overview as OverviewData, QueryResult, Row } from '../api/types.js'
import { TimeSeries, TopList, type TopItem } from '../components/charts.js'
import { Card, Empty, ErrorBox, LevelBadge, Loading, Stat } from '../components/ui.js'
import { bucketRange, explorerHref, useExplore } from '../explore.js'
import { useLive } from '../live.js'
import { term } from '../query.js'
import { formatTime, spanFor, spanMs, useRange } from '../time.js'
import { useRefreshOnLive } from '../useRefreshOnLive.js'

const DENIED = 'apparmor.status: DENIED'

function top(r: QueryResult | undefined, field: string): TopItem[] {
  return (r?.rows ?? []).map((row) => ({ label: String(row[field] ?? ''), count: Number(row.count ?? 0), value: row[field] }))
}

/** mitre_* are arrays in the contract; tolerate the query-result shape too. */
function named(v: Named[] | QueryResult | undefined): Row[] {
  if (!v) return []
  return Array.isArray(v) ? (v as unknown as Row[]) : v.rows
}

export default function Overview() {
  const range = useRange()
  const explore = useExplore()
  const overview = useApi<OverviewData>('/api/alerts/aggregations', { from: range.from, to: range.to })
  const profiles = useApi<QueryResult>('/api/alerts', { q: `${DENIED} | top 10 apparmor.profile`, from: range.from, to: range.to })
  const operations = useApi<QueryResult>('/api/alerts', { q: `${DENIED} | top 10 apparmor.operation`, from: range.from, to: range.to })
  useRefreshOnLive([overview.reload, profiles.reload, operations.reload])

  const drawn = Boolean(overview.data && profiles.data && operations.data)
  const marked = useRef(false)
  useEffect(() => {
    if (!drawn || marked.current) return
    marked.current = true
    // After the browser has laid out and painted the charts.
    requestAnimationFrame(() => requestAnimationFrame(() => performance.mark('aw:overview-drawn')))
  }, [drawn])

  const error = overview.error ?? profiles.error ?? operations.error
  const d = overview.data
  const span = spanFor(range)
  const levels = d?.by_level.rows ?? []
  const atLeast = (n: number) => levels.filter((r) => Number(r['rule.level']) >= n).reduce((s, r) => s + Number(r.count ?? 0), 0)
  const total = Number(d?.total.rows[0]?.count ?? 0)
  const tactics = named(d?.mitre_tactics)
  const techniques = named(d?.mitre_techniques)
  return (
    <section className="page" aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      {error && <ErrorBox error={error} what="Loading the overview" />}
      {!d && !error && <Loading label="Loading the overview" />}
      {d && (
        <>
          <div className="stats">
            <Stat label="alerts" value={total.toLocaleString()} onClick={() => explore('')} />
            <Stat label="critical (level ≥ 12)" value={atLeast(12).toLocaleString()} onClick={() => explore('rule.level >= 12')} />
            <Stat label="high (level ≥ 8)" value={atLeast(8).toLocaleString()} onClick={() => explore('rule.level >= 8')} />
            <Stat
              label="AppArmor denials"
              value={(profiles.data?.rows ?? []).reduce((s, r) => s + Number(r.count ?? 0), 0).toLocaleString()}
              hint="in the top 10 profiles"
              onClick={() => explore(DENIED)}
            />
          </div>
          <div className="grid">
            <Card title="Violation trend by level" className="wide" actions={<Link to={explorerHref(`* | timechart span=${span} count by rule.level`, range)}>Explore</Link>}>
              <TimeSeries
                label="Alerts over time by level"
                range={range}
                rows={d.timeline.rows}
                seriesField="rule.level"
                spanMs={spanMs(span)}
                onPick={(bucket, level) => explore(level ? term('rule.level', Number(level)) : '', bucketRange(bucket, spanMs(span)))}
              />
            </Card>
            <Card title="Alerts by level">
              <TopList
                items={levels.map((r) => ({ label: `level ${String(r['rule.level'])}`, count: Number(r.count ?? 0), value: r['rule.level'] }))}
                onPick={(i) => explore(term('rule.level', Number(i.value)))}
              />
            </Card>
            <Card title="Denials by profile">
              <TopList items={top(profiles.data, 'apparmor.profile')} unit="denials" onPick={(i) => explore(`${DENIED} AND ${term('apparmor.profile', i.value)}`)} />
            </Card>
            <Card title="Top denied operations">
              <TopList items={top(operations.data, 'apparmor.operation')} unit="denials" onPick={(i) => explore(`${DENIED} AND ${term('apparmor.operation', i.value)}`)} />
            </Card>
            <Card title="Top agents">
              <TopList items={top(d.top_agents, 'agent.name')} onPick={(i) => explore(term('agent.name', i.value))} />
            </Card>
            <Card title="MITRE ATT&CK tactics">
              <TopList
                items={tactics.map((r) => ({ label: String(r.name ?? r['rule.mitre.tactic'] ?? ''), count: Number(r.count ?? 0) }))}
                onPick={(i) => explore(term('rule.mitre.tactic', i.label))}
                empty="No alert with a MITRE tactic in this range."
              />
            </Card>
            <Card title="MITRE ATT&CK techniques">
              <TopList
                items={techniques.map((r) => ({ label: r.name ? `${String(r.id)} ${String(r.name)}` : String(r.id ?? r['rule.mitre.id'] ?? ''), count: Number(r.count ?? 0), value: r.id ?? r['rule.mitre.id'] }))}
                onPick={(i) => explore(term('rule.mitre.id', i.value))}
                empty="No alert with a MITRE technique in this range."
              />
            </Card>
            <LiveFeed />
          </div>
        </>
      )}
    </section>
  )
}

function LiveFeed() {
  const live = useLive()
  return (
    <Card title="Live feed" className="wide">
      {live.recent.length === 0 ? (
        <Empty>{live.state === 'live' ? 'Waiting for new alerts…' : 'The live stream is not connected.'}</Empty>
      ) : (
        <ul className="feed" aria-live="polite">
          {live.recent.map((a: Alert) => (
            <li key={a.id}>
              <LevelBadge level={a.rule.level} />
              <span className="feed-time">{formatTime(a.timestamp)}</span>
              <span className="feed-agent">{a.agent?.name ?? ''}</span>
              <Link to={explorerHref(term('id', a.id), { from: '7d', to: 'now' }, { sel: a.id })}>{a.rule.description ?? `rule ${String(a.rule.id)}`}</Link>
            </li>
          ))}
        </ul>
      )}
    </Card>
  )
}
