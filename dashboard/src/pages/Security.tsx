/**
 * Security metrics: blocked privilege escalations (capability, exec, ptrace denials), prevented
 * data access (credential and sensitive files), network restriction effectiveness (by profile and
 * family), each against the previous period of the same length, each clicking through with the
 * query the manager computed it with.
 */
import type { ReactNode } from 'react'
import { useApi } from '../api/hooks.js'
import type { Point, SecurityMetrics, SecuritySection } from '../api/types.js'
import { TimeSeries, TopList } from '../components/charts.js'
import { DataTable } from '../components/DataTable.js'
import { Card, Delta, ErrorBox, Loading, Stat } from '../components/ui.js'
import { bucketRange, useExplore } from '../explore.js'
import { narrow, term } from '../query.js'
import { spanFor, spanMs, useRange } from '../time.js'

function timeline(points: Point[]) {
  return points.map((p) => ({ time: p.t, count: p.count }))
}

/** The bucket width, from the spacing of the manager's timeline. */
function stepOf(points: Point[]): number | undefined {
  if (points.length < 2) return undefined
  return Date.parse((points[1] as Point).t) - Date.parse((points[0] as Point).t)
}

function Header({ s, label, onOpen }: { s: SecuritySection; label: string; onOpen: () => void }) {
  return <Stat label={label} value={s.total.toLocaleString()} hint={<Delta now={s.total} before={s.previous_total} />} onClick={onOpen} />
}

export default function Security() {
  const range = useRange()
  const explore = useExplore()
  const m = useApi<SecurityMetrics>('/api/alerts/security', { from: range.from, to: range.to })
  if (m.error) return <Page><ErrorBox error={m.error} what="Loading security metrics" /></Page>
  if (!m.data) return <Page><Loading label="Loading security metrics" /></Page>
  const { privilege_escalation: pe, data_access: da, network: net } = m.data
  const trend = (s: SecuritySection, label: string) => {
    const step = stepOf(s.timeline) ?? spanMs(spanFor(range))
    return <TimeSeries label={label} rows={timeline(s.timeline)} spanMs={step} range={range} height={160} onPick={(bucket) => explore(s.query, bucketRange(bucket, step))} />
  }
  return (
    <Page>
      <div className="stats">
        <Header s={pe} label="blocked privilege escalations" onOpen={() => explore(pe.query)} />
        <Header s={da} label="prevented data access" onOpen={() => explore(da.query)} />
        <Header s={net} label="blocked network operations" onOpen={() => explore(net.query)} />
      </div>
      <div className="grid">
        <Card title="Privilege escalation: by kind" actions={<button type="button" className="link" onClick={() => explore(pe.query)}>Explore</button>}>
          <TopList
            items={pe.by_kind.map((k) => ({ label: k.kind, count: k.count, value: k.query }))}
            onPick={(i) => explore(String(i.value))}
            unit="denials"
          />
          <DataTable
            caption="By kind against the previous period"
            columns={[{ key: 'kind' }, { key: 'count', numeric: true }, { key: 'previous', numeric: true }, { key: 'change', render: (r) => <Delta now={Number(r.count)} before={Number(r.previous)} /> }]}
            rows={pe.by_kind as unknown as Record<string, unknown>[]}
            rowKey={(r) => String(r.kind)}
          />
        </Card>
        <Card title="Privilege escalation: top profiles">
          <TopList items={pe.top_profiles.map((p) => ({ label: p.profile, count: p.count }))} onPick={(i) => explore(narrow(pe.query, term('apparmor.profile', i.label)))} unit="denials" />
        </Card>
        <Card title="Privilege escalation: trend" className="wide">
          {trend(pe, 'Blocked privilege escalations over time')}
        </Card>
        <Card title="Data access: sensitive paths" actions={<button type="button" className="link" onClick={() => explore(da.query)}>Explore</button>}>
          <TopList items={da.top_paths.map((p) => ({ label: p.path, count: p.count }))} onPick={(i) => explore(narrow(da.query, term('apparmor.name', i.label)))} unit="denials" />
        </Card>
        <Card title="Data access: top profiles">
          <TopList items={da.top_profiles.map((p) => ({ label: p.profile, count: p.count }))} onPick={(i) => explore(narrow(da.query, term('apparmor.profile', i.label)))} unit="denials" />
        </Card>
        <Card title="Data access: trend" className="wide">
          {trend(da, 'Prevented data access over time')}
        </Card>
        <Card title="Network: by family" actions={<button type="button" className="link" onClick={() => explore(net.query)}>Explore</button>}>
          <TopList items={net.by_family.map((f) => ({ label: f.family, count: f.count }))} onPick={(i) => explore(narrow(net.query, term('apparmor.family', i.label)))} unit="denials" />
        </Card>
        <Card title="Network: by profile and family">
          <DataTable
            caption="Network denials by profile and family"
            columns={[{ key: 'profile' }, { key: 'family' }, { key: 'count', numeric: true }]}
            rows={net.by_profile_family as unknown as Record<string, unknown>[]}
            rowKey={(r) => `${String(r.profile)}\u0000${String(r.family)}`}
            onSelect={(r) => explore(narrow(net.query, `${term('apparmor.profile', r.profile)} AND ${term('apparmor.family', r.family)}`))}
          />
        </Card>
        <Card title="Network: trend" className="wide">
          {trend(net, 'Blocked network operations over time')}
        </Card>
      </div>
    </Page>
  )
}

function Page({ children }: { children: ReactNode }) {
  return (
    <section className="page" aria-labelledby="security-title">
      <h1 id="security-title">Security metrics</h1>
      {children}
    </section>
  )
}
