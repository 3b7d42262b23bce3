/**
 * Rules: the loaded ruleset, searchable (id, description, group; minimum level), and logtest in
 * the browser: a log line goes through a copy of the rules (POST /api/rules/test, analyst role).
 */
import { useMemo, useState, type FormEvent } from 'react'
import { useSearchParams } from 'react-router'
import { ApiError, api } from '../api/client.js'
import { useApi } from '../api/hooks.js'
import type { RuleInfo, RuleTestResult } from '../api/types.js'
import { FieldsTable } from '../components/AlertDetail.js'
import { DataTable } from '../components/DataTable.js'
import { Card, Empty, ErrorBox, LevelBadge, Loading } from '../components/ui.js'
import { useExplore } from '../explore.js'
import { flatten } from '../fields.js'
import { term } from '../query.js'

export default function Rules() {
  const [sp, setSp] = useSearchParams()
  const explore = useExplore()
  const rules = useApi<{ rules: RuleInfo[] }>('/api/rules')
  const search = sp.get('search') ?? ''
  const minLevel = Number(sp.get('level') ?? 0)
  const setParam = (k: string, v: string) => {
    const next = new URLSearchParams(sp)
    if (v && v !== '0') next.set(k, v)
    else next.delete(k)
    setSp(next, { replace: true })
  }
  const shown = useMemo(() => {
    const s = search.toLowerCase()
    return (rules.data?.rules ?? []).filter(
      (r) => r.level >= minLevel && (!s || String(r.id).includes(s) || r.description.toLowerCase().includes(s) || r.groups.some((g) => g.toLowerCase().includes(s))),
    )
  }, [rules.data, search, minLevel])
  return (
    <section className="page" aria-labelledby="rules-title">
      <h1 id="rules-title">Rules</h1>
      <LogTest />
      <Card
        title={rules.data ? `Loaded rules (${shown.length.toLocaleString()} of ${rules.data.rules.length.toLocaleString()})` : 'Loaded rules'}
        actions={
          <>
            <input type="search" aria-label="Search rules" placeholder="id, description or group" value={search} onChange={(e) => setParam('search', e.target.value)} />
            <label className="inline">
              min level{' '}
              <select value={minLevel} onChange={(e) => setParam('level', e.target.value)}>
                {[0, 3, 5, 7, 8, 10, 12].map((l) => (
                  <option key={l} value={l}>
                    {l}
                  </option>
                ))}
              </select>
            </label>
          </>
        }
      >
        {rules.error && <ErrorBox error={rules.error} what="Loading rules" />}
        {!rules.data && !rules.error && <Loading label="Loading rules" />}
        {rules.data && shown.length === 0 && <Empty>No rule matches.</Empty>}
        {shown.length > 0 && (
          <DataTable
            caption="Rules"
            columns={[
              { key: 'id', numeric: true },
              { key: 'level', render: (r) => <LevelBadge level={r.level} /> },
              { key: 'description' },
              { key: 'groups', render: (r) => (r.groups as string[]).join(', ') },
              { key: 'file', render: (r) => <span className="muted small">{String(r.file).split('/').pop()}</span> },
            ]}
            rows={shown.slice(0, 500) as unknown as Record<string, unknown>[]}
            rowKey={(r) => String(r.id)}
            onSelect={(r) => explore(term('rule.id', String(r.id)))}
          />
        )}
        {shown.length > 500 && <p className="muted">The first 500 are shown; search to narrow.</p>}
      </Card>
    </section>
  )
}

function LogTest() {
  const [line, setLine] = useState('')
  const [location, setLocation] = useState('')
  const [result, setResult] = useState<RuleTestResult | null>(null)
  const [error, setError] = useState<ApiError | null>(null)
  const [busy, setBusy] = useState(false)
  const run = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      setResult(await api.post<RuleTestResult>('/api/rules/test', { line, ...(location ? { location } : {}) }))
    } catch (err) {
      setResult(null)
      setError(err instanceof ApiError ? err : new ApiError(0, 'AW_ERR_NETWORK', (err as Error).message))
    } finally {
      setBusy(false)
    }
  }
  const fields = result?.alert ? flatten(result.alert.data ?? {}, 'data') : []
  return (
    <Card title="Test a log line (logtest)" className="wide">
      <form className="logtest" onSubmit={(e) => void run(e)}>
        <label className="block">
          Log line
          <textarea
            rows={3}
            spellCheck={false}
            required
            value={line}
            onChange={(e) => setLine(e.target.value)}
            placeholder='type=AVC msg=audit(1795168865.905:31008): apparmor="DENIED" operation="open" profile="/usr/local/bin/test-app" name="/etc/shadow" …'
          />
        </label>
        <label className="inline">
          Location <input value={location} onChange={(e) => setLocation(e.target.value)} placeholder="/var/log/audit/audit.log" />
        </label>
        <button type="submit" className="primary" disabled={busy || !line.trim()}>
          {busy ? 'Testing…' : 'Test'}
        </button>
      </form>
      {error && <ErrorBox error={error} what={error.code === 'AW_ERR_FORBIDDEN' ? 'Logtest (needs the analyst role)' : 'Logtest'} />}
      {result && (
        <div className="logtest-result" aria-live="polite">
          <dl className="kv">
            <dt>Decoder</dt>
            <dd>{result.decoder ?? 'no decoder matched'}</dd>
            <dt>Rule</dt>
            <dd>
              {result.rule ? (
                <>
                  <LevelBadge level={result.rule.level} /> {result.rule.id}: {result.alert?.rule.description ?? result.rule.description}
                </>
              ) : (
                'no rule matched'
              )}
            </dd>
            <dt>Alert</dt>
            <dd>{result.alert ? 'yes' : result.rule ? 'no (level 0 or below the alert level)' : 'no'}</dd>
          </dl>
          {fields.length > 0 && <FieldsTable fields={fields} />}
        </div>
      )}
    </Card>
  )
}
