/** A results table: chosen columns, values as text, rows selectable by mouse and keyboard. */
import type { ReactNode } from 'react'
import type { Row } from '../api/types.js'
import { getPath } from '../fields.js'
import { LevelBadge, text } from './ui.js'

export interface Column {
  key: string
  label?: string
  render?: (row: Row) => ReactNode
  numeric?: boolean
}

export function cell(row: Row, key: string): ReactNode {
  // Search rows are nested documents; aggregate rows are flat, keyed by the dotted names.
  const v = key in row ? row[key] : getPath(row, key)
  if (key === 'rule.level') return <LevelBadge level={v} />
  return text(v, key)
}

export function DataTable({
  columns,
  rows,
  onSelect,
  selected,
  rowKey,
  caption,
}: {
  columns: Column[]
  rows: Row[]
  onSelect?: (row: Row) => void
  selected?: string | null
  rowKey: (row: Row, index: number) => string
  caption?: string
}) {
  return (
    <div className="table-wrap">
      <table className="data">
        {caption ? <caption className="sr-only">{caption}</caption> : null}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.key} scope="col" className={c.numeric ? 'num' : undefined}>
                {c.label ?? c.key}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => {
            const key = rowKey(row, i)
            return (
              <tr
                key={key}
                className={selected === key ? 'selected' : undefined}
                tabIndex={onSelect ? 0 : undefined}
                aria-selected={onSelect ? selected === key : undefined}
                onClick={onSelect ? () => onSelect(row) : undefined}
                onKeyDown={
                  onSelect
                    ? (e) => {
                        if (e.key === 'Enter' || e.key === ' ') {
                          e.preventDefault()
                          onSelect(row)
                        }
                      }
                    : undefined
                }
              >
                {columns.map((c) => (
                  <td key={c.key} className={c.numeric ? 'num' : undefined}>
                    {c.render ? c.render(row) : cell(row, c.key)}
                  </td>
                ))}
              </tr>
            )
          })}
        </tbody>
      </table>
    </div>
  )
}
