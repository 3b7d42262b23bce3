/**
 * Charts. Top-N lists are HTML buttons (keyboard reachable, exact labels, readable at a glance);
 * time series are recharts stacked bars. Every mark is clickable: the page decides where it leads
 * (the explorer with the matching query).
 */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { Row } from '../api/types.js'
import { formatTick, formatTime } from '../time.js'
import { Empty, severity } from './ui.js'

export interface TopItem {
  label: string
  count: number
  /** What the click filters on (defaults to the label). */
  value?: unknown
}

export function TopList({ items, onPick, unit = 'alerts', empty = 'Nothing in this range.' }: { items: TopItem[]; onPick?: (item: TopItem) => void; unit?: string; empty?: string }) {
  if (items.length === 0) return <Empty>{empty}</Empty>
  const max = Math.max(...items.map((i) => i.count), 1)
  return (
    <ol className="toplist">
      {items.map((item, k) => {
        const body = (
          <>
            <span className="toplist-label" title={item.label}>
              {item.label}
            </span>
            <span className="toplist-count">{item.count.toLocaleString()}</span>
            <span className="toplist-bar" aria-hidden="true">
              <span style={{ width: `${(item.count / max) * 100}%` }} />
            </span>
          </>
        )
        return (
          <li key={`${k}:${item.label}`}>
            {onPick ? (
              <button type="button" onClick={() => onPick(item)} aria-label={`${item.label}: ${item.count} ${unit}; show in explorer`}>
                {body}
              </button>
            ) : (
              <div className="toplist-row">{body}</div>
            )}
          </li>
        )
      })}
    </ol>
  )
}

const PALETTE = ['var(--c1)', 'var(--c2)', 'var(--c3)', 'var(--c4)', 'var(--c5)', 'var(--c6)', 'var(--c7)', 'var(--c8)']

function seriesColor(name: string, index: number, byLevel: boolean): string {
  if (byLevel) return `var(--sev-${severity(Number(name))})`
  return PALETTE[index % PALETTE.length] as string
}

/** Timechart rows `{time, [series], count}` → one object per bucket with a key per series. */
export function pivot(rows: Row[], seriesField: string | undefined): { data: Record<string, unknown>[]; series: string[] } {
  const buckets = new Map<string, Record<string, unknown>>()
  const series = new Set<string>()
  for (const r of rows) {
    const t = String(r.time)
    const name = seriesField ? String(r[seriesField] ?? '(none)') : 'count'
    series.add(name)
    const b = buckets.get(t) ?? { time: t }
    b[name] = ((b[name] as number | undefined) ?? 0) + Number(r.count ?? 0)
    buckets.set(t, b)
  }
  const data = [...buckets.values()].sort((a, b) => String(a.time).localeCompare(String(b.time)))
  const names = [...series].sort((a, b) => (seriesField === 'rule.level' ? Number(a) - Number(b) : a.localeCompare(b)))
  return { data, series: names }
}

export function TimeSeries({
  rows,
  seriesField,
  spanMs,
  onPick,
  height = 220,
  label,
}: {
  rows: Row[]
  seriesField?: string
  spanMs?: number
  onPick?: (bucket: string, series: string | undefined) => void
  height?: number
  label: string
}) {
  if (rows.length === 0) return <Empty>No alerts in this range.</Empty>
  const { data, series } = pivot(rows, seriesField)
  const byLevel = seriesField === 'rule.level'
  return (
    <div className="chart" role="img" aria-label={label} data-chart="time">
      <ResponsiveContainer width="100%" height={height} initialDimension={{ width: 640, height }}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }} barCategoryGap={1}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" vertical={false} />
          <XAxis dataKey="time" tickFormatter={(v: string) => formatTick(v, spanMs)} stroke="var(--muted)" fontSize={11} minTickGap={24} />
          <YAxis stroke="var(--muted)" fontSize={11} allowDecimals={false} width={44} />
          <Tooltip
            labelFormatter={(v) => formatTime(v)}
            contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)', color: 'var(--text)' }}
            cursor={{ fill: 'var(--hover)' }}
          />
          {series.length > 1 || seriesField ? <Legend wrapperStyle={{ fontSize: 12 }} formatter={(v: string) => (byLevel ? `level ${v}` : v)} /> : null}
          {series.map((s, i) => (
            <Bar
              key={s}
              dataKey={s}
              stackId="a"
              fill={seriesColor(s, i, byLevel)}
              isAnimationActive={false}
              cursor={onPick ? 'pointer' : undefined}
              onClick={onPick ? (_d, index) => onPick(String(data[index]?.time), seriesField ? s : undefined) : undefined}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </div>
  )
}
