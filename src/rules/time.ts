/** `<time>` (`hh:mm - hh:mm`, `6 pm - 8:30 am`) and `<weekday>` rule conditions; `!` negates. */
import { RuleError } from './rule-error.js'

function minutes(text: string, line: number): number {
  const m = /^(\d{1,2})(?::(\d\d))?\s*(am|pm)?$/i.exec(text.trim())
  if (m === null) throw new RuleError(`invalid time "${text}"`, line)
  let h = Number(m[1])
  const ampm = m[3]?.toLowerCase()
  if (ampm === 'pm' && h < 12) h += 12
  if (ampm === 'am' && h === 12) h = 0
  return h * 60 + Number(m[2] ?? 0)
}

export class TimeWindow {
  private readonly from: number
  private readonly to: number
  private readonly negate: boolean

  constructor(spec: string, line: number) {
    this.negate = spec.startsWith('!')
    const parts = spec.replace(/^!/, '').split('-')
    if (parts.length !== 2) throw new RuleError(`invalid time range "${spec}"`, line)
    this.from = minutes(parts[0] as string, line)
    this.to = minutes(parts[1] as string, line)
  }

  /** Tests the local time of `ms`. */
  test(ms: number): boolean {
    const d = new Date(ms)
    const t = d.getHours() * 60 + d.getMinutes()
    const inside = this.from <= this.to ? t >= this.from && t < this.to : t >= this.from || t < this.to
    return inside !== this.negate
  }
}

const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']

export class WeekdaySet {
  private readonly days = new Set<number>()
  private readonly negate: boolean

  constructor(spec: string, line: number) {
    this.negate = spec.startsWith('!')
    for (const part of spec.replace(/^!/, '').toLowerCase().split(',')) {
      const p = part.trim()
      if (p === 'weekdays') [1, 2, 3, 4, 5].forEach((d) => this.days.add(d))
      else if (p === 'weekends') [0, 6].forEach((d) => this.days.add(d))
      else if (p.includes('-')) {
        const [a, b] = p.split('-').map((s) => DAYS.indexOf(s.trim()))
        if (a === undefined || b === undefined || a < 0 || b < 0) throw new RuleError(`invalid weekday "${p}"`, line)
        for (let d = a; ; d = (d + 1) % 7) {
          this.days.add(d)
          if (d === b) break
        }
      } else {
        const d = DAYS.indexOf(p)
        if (d < 0) throw new RuleError(`invalid weekday "${p}"`, line)
        this.days.add(d)
      }
    }
  }

  test(ms: number): boolean {
    return this.days.has(new Date(ms).getDay()) !== this.negate
  }
}
