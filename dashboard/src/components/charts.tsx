/**
 * Charts. Top-N lists are HTML buttons (keyboard reachable, exact labels, readable at a glance);
 * time series are recharts stacked bars. Every mark is clickable: the page decides where it leads
 * (the explorer with the matching query).
 */
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { Row } from '../api/types.js'
import { formatTick, formatTime, toDate } from '../time.js'
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

/** One shade per Wazuh level, within its severity's hue (grey, amber, orange, red). */
const LEVEL_COLORS = ['#a3adbf', '#96a1b5', '#8a96ab', '#7f8ea6', '#e9c84f', '#d9a406', '#c99200', '#b88300', '#f29b4c', '#e77c2a', '#e0661b', '#c4500f', '#ef4b5b', '#d22c3c', '#b51f30', '#951525', '#700e1b']

function seriesColor(name: string, index: number, byLevel: boolean): string {
  if (byLevel) return LEVEL_COLORS[Math.min(16, Math.max(0, Number(name)))] ?? `var(--sev-${severity(Number(name))})`
  return PALETTE[index % PALETTE.length] as string
}

const MAX_BUCKETS = 1000

/**
 * Timecharts only have buckets with alerts; the empty ones in the range are added (aligned on the
 * returned buckets) so that the axis is time and a burst stands out against quiet periods.
 */
export function zeroFill(data: Record<string, unknown>[], series: string[], stepMs: number | undefined, range: { from: Date; to: Date } | undefined): Record<string, unknown>[] {
  if (!stepMs || !range || data.length === 0) return data
  const anchor = Date.parse(String(data[0]?.time))
  const from = range.from.getTime()
  const to = range.to.getTime()
  if (Number.isNaN(anchor) || (to - from) / stepMs > MAX_BUCKETS) return data
  const have = new Map(data.map((d) => [Date.parse(String(d.time)), d]))
  const out: Record<string, unknown>[] = []
  for (let t = anchor - Math.ceil((anchor - from) / stepMs) * stepMs; t < to; t += stepMs) {
    out.push(have.get(t) ?? { time: new Date(t).toISOString(), ...Object.fromEntries(series.map((s) => [s, 0])) })
    have.delete(t)
  }
  // Buckets outside the computed range (clock skew) are kept, in order.
  return [...out, ...have.values()].sort((a, b) => Date.parse(String(a.time)) - Date.parse(String(b.time)))
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
  range,
}: {
  rows: Row[]
  seriesField?: string
  spanMs?: number
  onPick?: (bucket: string, series: string | undefined) => void
  height?: number
  label: string
  /** The time range shown: empty buckets in it are drawn as zero. */
  range?: { from: string; to: string }
}) {
  if (rows.length === 0) return <Empty>No alerts in this range.</Empty>
  const pivoted = pivot(rows, seriesField)
  const { series } = pivoted
  const bounds = range ? { from: toDate(range.from), to: toDate(range.to) } : undefined
  const data = zeroFill(pivoted.data, series, spanMs, bounds?.from && bounds.to ? { from: bounds.from, to: bounds.to } : undefined)
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
          {series.length > 1 || seriesField ? <Legend wrapperStyle={{ fontSize: 12 }} itemSorter={null} formatter={(v: string) => (byLevel ? `level ${v}` : v)} /> : null}
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
