/**
 * The normalized Event: what every source produces and every later stage consumes.
 * `fields` is a flat map of stable dotted names (`audit.type`, `apparmor.profile`, ...).
 */

/** A field value: scalars, arrays (e.g. `audit.execve.argv`) and small objects (e.g. `audit.paths` items). */
export type FieldValue = string | number | boolean | null | readonly FieldValue[] | { readonly [key: string]: FieldValue }

export type Fields = Record<string, FieldValue>

/**
 * What an event is about. `apparmor`: an AppArmor record (from any envelope); `audit`: any other
 * kernel audit event; `syslog`: a log line that is neither; the agent adds `fim` and
 * `apparmor-state`; `agent` is for the agent's own notices.
 */
export type EventKind = 'apparmor' | 'audit' | 'syslog' | 'fim' | 'apparmor-state' | 'agent'

export interface Event {
  /** Per-agent sequence number, contiguous from 1; 0 until the agent's spool assigns it. */
  seq: number
  /** When the event happened (from the record when it says, else when it was read): ISO 8601, UTC. */
  time: string
  /** The agent (host) the event came from; empty until the agent stamps it. */
  agent: string
  /** The source that read it: `file`, `journald`, `kmsg`, `netlink`, `audisp`, `fim`, `stdin` ... */
  source: string
  /** Where it came from: the file path, socket or stream name. */
  location: string
  kind: EventKind
  /** The original text, byte for byte; the records of a multi-record audit event joined by `\n`. */
  raw: string
  fields: Fields
}

/** Reads a field as a string, or undefined when it is absent or not a scalar. */
export function fieldString(event: Pick<Event, 'fields'>, name: string): string | undefined {
  const v = event.fields[name]
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined
}

let isoSecond = Number.NaN
let isoPrefix = ''
/**
 * `new Date(ms).toISOString()` for a finite time, with the part up to the second cached: events
 * arrive in bursts within the same second, and formatting dates is a measurable share of parsing.
 */
export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000)
  if (second !== isoSecond) {
    isoSecond = second
    isoPrefix = new Date(second * 1000).toISOString().slice(0, -4)
  }
  return isoPrefix + millisSuffix[Math.floor(ms - second * 1000)]
}

/** `000Z` … `999Z`, made once: one concatenation per time instead of three. */
const millisSuffix = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0') + 'Z')
