/** Terminal output helpers: colour only on a TTY and never when NO_COLOR is set. */
import type { Writable } from 'node:stream'

export function useColor(stream: { isTTY?: boolean } = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true
  return stream.isTTY === true
}

const codes = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90, bold: 1 } as const
export type Color = keyof typeof codes

export function paint(text: string, color: Color, enabled = useColor()): string {
  return enabled ? `\u001b[${codes[color]}m${text}\u001b[0m` : text
}

/** Writes a JSON document followed by a newline. */
export function printJson(value: unknown, out: Writable = process.stdout): void {
  out.write(JSON.stringify(value, null, 2) + '\n')
}

/** Lays rows out as aligned columns; the last column is never padded. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return new TableStream(header).format(rows)
}

/**
 * A table written in batches as its rows arrive (`parse --follow`, large files): the header goes
 * out with the first batch, and a column only ever widens, to the widest cell seen so far, so
 * batches line up unless a later cell is wider than any before it.
 */
export class TableStream {
  readonly #header: readonly string[]
  readonly #widths: number[]
  #started = false

  constructor(header: readonly string[]) {
    this.#header = header
    this.#widths = header.map((h) => h.length)
  }

  /** The text of the next batch of rows (with the header, the first time). */
  format(rows: readonly (readonly string[])[]): string {
    // A loop, not Math.max(...cells): a spread of a large batch overflows the stack.
    for (const row of rows) for (let i = 0; i < this.#widths.length; i++) this.#widths[i] = Math.max(this.#widths[i], (row[i] ?? '').length)
    const lines = this.#started ? [] : [this.#line(this.#header)]
    this.#started = true
    for (const row of rows) lines.push(this.#line(row))
    return lines.length ? lines.join('\n') + '\n' : ''
  }

  #line(cells: readonly string[]): string {
    return cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(this.#widths[i] ?? 0))).join('  ').trimEnd()
  }
}
