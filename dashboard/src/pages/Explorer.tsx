/**
 * Explorer: the query language over alerts. The URL holds the query (`q`), time range, columns
 * (`cols`) and the selected alert (`sel`), so a view can be shared. Searches show a table with the
 * chosen columns and the alert detail; `stats`/`top`/`timechart` show a chart and a table whose
 * rows drill down. Marks `aw:query-submit` and `aw:query-results` for bench/dashboard.ts.
 */
import { useEffect, useMemo, useRef, useState } from 'react'
import { useSearchParams } from 'react-router'
import { useApi } from '../api/hooks.js'
import type { Alert, Field, QueryResult, Row } from '../api/types.js'
import { AlertDetail } from '../components/AlertDetail.js'
import { TimeSeries, TopList } from '../components/charts.js'
import { DataTable, type Column } from '../components/DataTable.js'
import { QueryBar } from '../components/QueryBar.js'
import { Card, ErrorBox, Loading } from '../components/ui.js'
import { bucketRange, useExplore } from '../explore.js'
import { useLive } from '../live.js'
import { narrow, term } from '../query.js'
import { spanMs, useRange } from '../time.js'

export const DEFAULT_COLUMNS = ['timestamp', 'agent.name', 'rule.level', 'rule.id', 'rule.description', 'apparmor.profile']
const LIMIT = 200
const AGGREGATE = /^(count|dc|min|max|avg|sum)(\(|$)/

export default function Explorer() {
  const [sp, setSp] = useSearchParams()
  const range = useRange()
  const explore = useExplore()
  const q = sp.get('q') ?? ''
  const sel = sp.get('sel')
  const columns = useMemo(() => (sp.get('cols') ?? DEFAULT_COLUMNS.join(',')).split(',').filter(Boolean), [sp])
  const result = useApi<QueryResult>('/api/alerts', { q, from: range.from, to: range.to, limit: LIMIT })
  const fields = useApi<{ fields: Field[] }>('/api/alerts/fields')
  const live = useLive()
  const liveAtLoad = useRef(live.received)
  const pending = useRef(false)

  const update = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(sp)
    for (const [k, v] of Object.entries(changes)) {
      if (v === null || v === '') next.delete(k)
      else next.set(k, v)
    }
    setSp(next)
  }
  const submit = (text: string) => {
    performance.mark('aw:query-submit')
    pending.current = true
    liveAtLoad.current = live.received
    if (text === q) result.reload()
    else update({ q: text, sel: null })
  }
  useEffect(() => {
    if (!pending.current || result.loading || (!result.data && !result.error)) return
    pending.current = false
    requestAnimationFrame(() => performance.mark('aw:query-results'))
  }, [result.loading, result.data, result.error])

  const fieldList = fields.data?.fields ?? []
  const rows = (result.data?.rows ?? []) as Row[]
  const selected = sel ? (rows.find((r) => r.id === sel) as Alert | undefined) : undefined
  const queryError = result.error?.code === 'AW_ERR_QUERY' ? result.error.message : undefined
  const newAlerts = live.received - liveAtLoad.current

  return (
    <section className="page explorer" aria-labelledby="explorer-title">
      <h1 id="explorer-title">Explorer</h1>
      <QueryBar value={q} onSubmit={submit} error={queryError} fields={fieldList} busy={result.loading} />
      {result.error && !queryError && <ErrorBox error={result.error} what="The query" />}
      {newAlerts > 0 && (
        <button type="button" className="banner-button" onClick={() => submit(q)}>
          {newAlerts} new alert{newAlerts === 1 ? '' : 's'} since this search — refresh
        </button>
      )}
      {result.loading && !result.data && <Loading label="Running the query" />}
      {result.data?.kind === 'aggregate' && <Aggregate result={result.data} q={q} range={range} onDrill={(cond) => explore(narrow(q, cond))} onBucket={(cond, r) => explore(narrow(q, cond), r)} />}
      {result.data?.kind === 'search' && (
        <div className={selected || sel ? 'split' : undefined}>
          <div>
            <Columns columns={columns} fields={fieldList} onChange={(c) => update({ cols: c.join(',') === DEFAULT_COLUMNS.join(',') ? null : c.join(',') })} />
            <p className="muted result-count" aria-live="polite">
              {rows.length === 0 ? 'No alerts match.' : `${rows.length.toLocaleString()} alert${rows.length === 1 ? '' : 's'}${rows.length >= LIMIT ? ` (the newest ${LIMIT}; narrow the query or add | head N)` : ''}`}
            </p>
            {rows.length > 0 && (
              <DataTable
                caption="Matching alerts"
                columns={columns.map((c): Column => ({ key: c }))}
                rows={rows}
                rowKey={(r, i) => String(r.id ?? i)}
                selected={sel}
                onSelect={(r) => update({ sel: String(r.id) })}
              />
            )}
          </div>
          {sel && <Selected id={sel} inPage={selected} onFilter={(cond) => explore(narrow(q, cond))} onClose={() => update({ sel: null })} />}
        </div>
      )}
    </section>
  )
}

/** The selected alert: from the page of results, else fetched (a shared link to an older alert). */
function Selected({ id, inPage, onFilter, onClose }: { id: string; inPage: Alert | undefined; onFilter: (c: string) => void; onClose: () => void }) {
  const fetched = useApi<Alert>(inPage ? null : `/api/alerts/${encodeURIComponent(id)}`)
  const alert = inPage ?? fetched.data
  if (fetched.error) return <ErrorBox error={fetched.error} what="Loading the alert" />
  if (!alert) return <Loading label="Loading the alert" />
  return <AlertDetail alert={alert} onFilter={onFilter} onClose={onClose} />
}

function Aggregate({ result, q, range, onDrill, onBucket }: { result: QueryResult; q: string; range: { from: string; to: string }; onDrill: (cond: string) => void; onBucket: (cond: string, r: { from: string; to: string }) => void }) {
  const byFields = result.columns.filter((c) => c !== 'time' && !AGGREGATE.test(c))
  const isTimechart = result.columns.includes('time')
  const span = /span=(\d+[smhdw])/.exec(q)?.[1]
  const drill = (row: Row) => onDrill(byFields.map((f) => term(f, row[f])).join(' AND ') || '*')
  return (
    <>
      {isTimechart && (
        <Card title="Timechart">
          <TimeSeries
            label="Query results over time"
            range={range}
            rows={result.rows}
            seriesField={byFields[0]}
            spanMs={span ? spanMs(span) : undefined}
            onPick={(bucket, series) => onBucket(series !== undefined && byFields[0] ? term(byFields[0], series) : '*', bucketRange(bucket, span ? spanMs(span) : undefined))}
          />
        </Card>
      )}
      {!isTimechart && byFields.length === 1 && result.columns.includes('count') && (
        <Card title={`count by ${byFields[0]}`}>
          <TopList items={result.rows.slice(0, 25).map((r) => ({ label: String(r[byFields[0] as string] ?? ''), count: Number(r.count ?? 0), value: r[byFields[0] as string] }))} onPick={(i) => onDrill(term(byFields[0] as string, i.value))} />
        </Card>
      )}
      <p className="muted result-count">{result.rows.length.toLocaleString()} rows</p>
      {result.rows.length > 0 && (
        <DataTable
          caption="Aggregation results"
          columns={result.columns.map((c): Column => ({ key: c, numeric: AGGREGATE.test(c) }))}
          rows={result.rows}
          rowKey={(_r, i) => String(i)}
          onSelect={byFields.length > 0 ? drill : undefined}
        />
      )}
    </>
  )
}

/** The chosen columns: remove with ×, add any field (with completion from the fields list). */
function Columns({ columns, fields, onChange }: { columns: string[]; fields: Field[]; onChange: (c: string[]) => void }) {
  const [adding, setAdding] = useState('')
  const add = () => {
    const f = adding.trim()
    if (f && /^[A-Za-z_@][A-Za-z0-9_@.-]*$/.test(f) && !columns.includes(f)) onChange([...columns, f])
    setAdding('')
  }
  return (
    <div className="columns" role="group" aria-label="Columns">
      <span className="muted">Columns:</span>
      {columns.map((c) => (
        <span key={c} className="chip">
          {c}
          <button type="button" className="chip-x" aria-label={`Remove column ${c}`} onClick={() => onChange(columns.filter((x) => x !== c))}>
            ×
          </button>
        </span>
      ))}
      <form
        onSubmit={(e) => {
          e.preventDefault()
          add()
        }}
      >
        <input aria-label="Add a column" list="aw-fields" placeholder="add column…" value={adding} onChange={(e) => setAdding(e.target.value)} />
        <datalist id="aw-fields">
          {fields.map((f) => (
            <option key={f.name} value={f.name} />
          ))}
        </datalist>
      </form>
    </div>
  )
}
