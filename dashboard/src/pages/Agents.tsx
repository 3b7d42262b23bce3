/** Agents: status (connected, disconnected, never, revoked), version, last seen, event rate, spool depth. */
import type { ReactNode } from 'react'
import { useApi } from '../api/hooks.js'
import type { Agent } from '../api/types.js'
import { DataTable } from '../components/DataTable.js'
import { Card, Empty, ErrorBox, Loading, Stat } from '../components/ui.js'
import { useExplore } from '../explore.js'
import { term } from '../query.js'
import { useRefreshOnLive } from '../useRefreshOnLive.js'

export default function Agents() {
  const explore = useExplore()
  const agents = useApi<{ agents: Agent[] }>('/api/agents')
  useRefreshOnLive([agents.reload], 30_000)
  if (agents.error) return <Page><ErrorBox error={agents.error} what="Loading agents" /></Page>
  if (!agents.data) return <Page><Loading label="Loading agents" /></Page>
  const list = agents.data.agents
  const count = (s: string) => list.filter((a) => a.status === s).length
  return (
    <Page>
      <div className="stats">
        <Stat label="agents" value={list.length} />
        <Stat label="connected" value={count('connected')} />
        <Stat label="disconnected" value={count('disconnected')} />
        <Stat label="never connected" value={count('never')} />
      </div>
      <Card title="All agents">
        {list.length === 0 ? (
          <Empty>No agent has enrolled or sent events yet (armorwatch enroll).</Empty>
        ) : (
          <DataTable
            caption="Agents"
            columns={[
              { key: 'id', render: (r) => <span className="mono">{String(r.id)}</span> },
              { key: 'name' },
              { key: 'status', render: (r) => <span className={`status status-${String(r.status)}`}>{String(r.status)}</span> },
              { key: 'version', render: (r) => String(r.version ?? '–') },
              { key: 'hostname', render: (r) => String(r.hostname ?? '–') },
              { key: 'os', render: (r) => String(r.os ?? '–') },
              { key: 'last_seen_at', label: 'last seen' },
              { key: 'events_per_s', label: 'events/s', numeric: true, render: (r) => (r.events_per_s as number).toFixed(1) },
              { key: 'spool_depth', label: 'spool', numeric: true, render: (r) => (typeof r.spool_depth === 'number' ? r.spool_depth.toLocaleString() : '–') },
              { key: 'enrolled_at', label: 'enrolled' },
            ]}
            rows={list as unknown as Record<string, unknown>[]}
            rowKey={(r) => String(r.id)}
            onSelect={(r) => explore(term('agent.id', String(r.id)))}
          />
        )}
      </Card>
    </Page>
  )
}

function Page({ children }: { children: ReactNode }) {
  return (
    <section className="page" aria-labelledby="agents-title">
      <h1 id="agents-title">Agents</h1>
      {children}
    </section>
  )
}
