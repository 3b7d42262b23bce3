/**
 * Profiles: the fleet inventory (profile × host: mode, denials in the last 24 h, last change) and
 * the complain-mode profiles with their readiness for enforce (replay of the stored alerts) and
 * the suggested rules as a diff. Selection is in the URL (`profile`, `agent`).
 */
import { useMemo, useState } from 'react'
import { useSearchParams } from 'react-router'
import { useApi } from '../api/hooks.js'
import type { FleetProfile, QueryResult, Readiness } from '../api/types.js'
import { DiffView } from '../components/AlertDetail.js'
import { DataTable } from '../components/DataTable.js'
import { Card, Empty, ErrorBox, Loading } from '../components/ui.js'
import { useExplore } from '../explore.js'
import { term } from '../query.js'
import { useRange } from '../time.js'

function Mode({ mode }: { mode: FleetProfile['mode'] }) {
  return <span className={`mode mode-${mode ?? 'unknown'}`}>{mode ?? 'unknown'}</span>
}

export default function Profiles() {
  const range = useRange()
  const explore = useExplore()
  const [sp, setSp] = useSearchParams()
  const fleet = useApi<{ profiles: FleetProfile[] }>('/api/profiles', { from: range.from, to: range.to })
  // Managers without the inventory route: the profiles seen in alerts.
  const seen = useApi<QueryResult>(fleet.error?.status === 404 ? '/api/alerts/profiles' : null, { from: range.from, to: range.to })
  const [filter, setFilter] = useState(sp.get('filter') ?? '')
  const selProfile = sp.get('profile')
  const selAgent = sp.get('agent')
  const profiles = useMemo(() => {
    const f = filter.toLowerCase()
    return (fleet.data?.profiles ?? []).filter((p) => !f || p.profile.toLowerCase().includes(f) || p.agent.name.toLowerCase().includes(f) || String(p.mode).includes(f))
  }, [fleet.data, filter])
  const complain = (fleet.data?.profiles ?? []).filter((p) => p.mode === 'complain')
  const select = (p: FleetProfile) => {
    const next = new URLSearchParams(sp)
    next.set('profile', p.profile)
    next.set('agent', p.agent.id)
    setSp(next)
  }
  const key = (p: FleetProfile) => `${p.profile}\u0000${p.agent.id}`
  return (
    <section className="page" aria-labelledby="profiles-title">
      <h1 id="profiles-title">Profiles</h1>
      {fleet.error && fleet.error.status !== 404 && <ErrorBox error={fleet.error} what="Loading the profile inventory" />}
      {!fleet.data && !fleet.error && <Loading label="Loading the profile inventory" />}
      {fleet.data && (
        <>
          <Card title={`Complain-mode profiles (${complain.length})`} className="wide">
            {complain.length === 0 ? (
              <Empty>No profile is in complain mode on any host.</Empty>
            ) : (
              <ul className="complain">
                {complain.map((p) => (
                  <li key={key(p)}>
                    <button type="button" className={selProfile === p.profile && selAgent === p.agent.id ? 'chip active' : 'chip'} onClick={() => select(p)}>
                      {p.profile} <span className="muted">on {p.agent.name}</span> · {p.alerts} alerts
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </Card>
          <div className={selProfile ? 'split' : undefined}>
            <Card
              title="Fleet inventory"
              actions={<input type="search" aria-label="Filter profiles" placeholder="filter profile, host or mode" value={filter} onChange={(e) => setFilter(e.target.value)} />}
            >
              {profiles.length === 0 ? (
                <Empty>No profiles{filter ? ' match the filter' : ' reported by any agent yet'}.</Empty>
              ) : (
                <DataTable
                  caption="Profiles per host"
                  columns={[
                    { key: 'profile', render: (r) => <span className="mono">{String(r.profile)}</span> },
                    { key: 'agent', label: 'host', render: (r) => (r as unknown as FleetProfile).agent.name },
                    { key: 'mode', render: (r) => <Mode mode={(r as unknown as FleetProfile).mode} /> },
                    {
                      key: 'denials_24h',
                      label: 'denials 24 h',
                      numeric: true,
                      render: (r) => {
                        const p = r as unknown as FleetProfile
                        return p.denials_24h > 0 ? (
                          <button
                            type="button"
                            className="link"
                            onClick={(e) => {
                              e.stopPropagation()
                              explore(`apparmor.status: DENIED AND ${term('apparmor.profile', p.profile)} AND ${term('agent.id', p.agent.id)}`, { from: '24h', to: 'now' })
                            }}
                          >
                            {p.denials_24h}
                          </button>
                        ) : (
                          '0'
                        )
                      },
                    },
                    { key: 'alerts', numeric: true },
                    { key: 'last_change', label: 'last change' },
                    { key: 'last_seen', label: 'last seen' },
                  ]}
                  rows={profiles as unknown as Record<string, unknown>[]}
                  rowKey={(r) => key(r as unknown as FleetProfile)}
                  selected={selProfile && selAgent ? `${selProfile}\u0000${selAgent}` : null}
                  onSelect={(r) => select(r as unknown as FleetProfile)}
                />
              )}
            </Card>
            {selProfile && <ReadinessPanel profile={selProfile} agent={selAgent} mode={(fleet.data.profiles.find((p) => p.profile === selProfile && p.agent.id === selAgent) ?? null)?.mode ?? null} />}
          </div>
        </>
      )}
      {seen.data && (
        <Card title="Profiles seen in alerts" className="wide">
          <p className="muted">This manager has no profile inventory route; these are the profiles named in alerts.</p>
          <DataTable caption="Profiles seen in alerts" columns={seen.data.columns.map((c) => ({ key: c }))} rows={seen.data.rows} rowKey={(_r, i) => String(i)} onSelect={(r) => explore(term('apparmor.profile', r['apparmor.profile']))} />
        </Card>
      )}
    </section>
  )
}

function ReadinessPanel({ profile, agent, mode }: { profile: string; agent: string | null; mode: FleetProfile['mode'] }) {
  const range = useRange()
  const r = useApi<Readiness>(`/api/profiles/${encodeURIComponent(profile)}/readiness`, { agent, from: range.from, to: range.to })
  return (
    <aside className="detail" aria-labelledby="readiness-title">
      <header>
        <h2 id="readiness-title" className="mono">
          {profile}
        </h2>
        <Mode mode={r.data?.mode ?? mode} />
      </header>
      {r.error && <ErrorBox error={r.error} what="Computing readiness" />}
      {!r.data && !r.error && <Loading label="Replaying the stored alerts" />}
      {r.data && (
        <>
          <h3>Ready for enforce?</h3>
          {r.data.readiness ? (
            <p className={r.data.readiness.ready ? 'ready yes' : 'ready no'}>
              {r.data.readiness.ready ? 'Ready: ' : 'Not ready: '}
              {r.data.readiness.would_deny} of {r.data.readiness.accesses} logged accesses would be denied in enforce mode.
            </p>
          ) : (
            <p className="muted">Readiness unknown{r.data.reason ? `: ${r.data.reason}` : ''}.</p>
          )}
          {r.data.readiness && r.data.readiness.denied.length > 0 && (
            <ul className="denied-accesses" aria-label="Accesses enforce mode would deny">
              {r.data.readiness.denied.map((d) => (
                <li key={d.access}>
                  <span className="mono">{d.access}</span> <span className="muted">logged {d.count}× ({d.statuses.join(', ')})</span>
                </li>
              ))}
            </ul>
          )}
          {r.data.source && <p className="muted mono small">Profile source: {r.data.source}</p>}
          <h3>Suggested rules ({r.data.suggestion.rules.length})</h3>
          {r.data.suggestion.rules.length === 0 ? (
            <Empty>{r.data.suggestion.withheld.length > 0 ? 'No rule to add except for credential files (below).' : 'Nothing to add: the profile covers every logged access.'}</Empty>
          ) : (
            <pre className="log">{r.data.suggestion.rules.join('\n')}</pre>
          )}
          {r.data.suggestion.withheld.length > 0 && (
            <>
              <h3>Withheld ({r.data.suggestion.withheld.length})</h3>
              <p className="muted small">Credential files are never proposed: allow them by hand only if the program really needs them.</p>
              <pre className="log">{r.data.suggestion.withheld.join('\n')}</pre>
            </>
          )}
          {r.data.suggestion.diff && (
            <>
              <h3>As a diff</h3>
              <DiffView diff={r.data.suggestion.diff} />
            </>
          )}
          <p className="muted small">Computed from the stored alerts of this profile in the selected time range.</p>
        </>
      )}
    </aside>
  )
}
