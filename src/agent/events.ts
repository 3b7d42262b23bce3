/**
 * The spool's and the shipper's telemetry catalogue (STYLE.md P9): what they count and log, here
 * and nowhere else. Spool: received = events appended (frame bytes written), sent = events handed
 * to the shipper. Shipper: received = events read from the spool, sent = events the manager
 * acknowledged (compressed bytes on the wire). Neither discards anything: events wait instead.
 */
import type { Component, Telemetry } from '../sources/telemetry.js'

export const SPOOL: Component = { id: 'spool', kind: 'buffer', type: 'spool' }
export const SHIPPER: Component = { id: 'shipper', kind: 'sink', type: 'shipper' }

export function spoolAppended(t: Telemetry, events: number, bytes: number): void {
  t.add(SPOOL, 'armorwatch_component_received_events_total', events)
  t.add(SPOOL, 'armorwatch_component_received_bytes_total', bytes)
}

export function spoolWriteFailed(t: Telemetry, err: Error): void {
  t.error(SPOOL, 'io_failed', 'receiving', 'Writing to the spool failed; the sources will read those lines again.', { reason: err.message })
}

/** A torn frame cut off at start: its append never resolved, so its lines are read again. */
export function spoolRecovered(t: Telemetry, droppedBytes: number, message: string): void {
  t.error(SPOOL, 'io_failed', 'receiving', `Spool recovery: ${message}.`, { dropped_bytes: droppedBytes })
}

export function batchRead(t: Telemetry, events: number, bytes: number): void {
  t.add(SPOOL, 'armorwatch_component_sent_events_total', events)
  t.add(SPOOL, 'armorwatch_component_sent_bytes_total', bytes)
  t.add(SHIPPER, 'armorwatch_component_received_events_total', events)
  t.add(SHIPPER, 'armorwatch_component_received_bytes_total', bytes)
}

export function batchAcknowledged(t: Telemetry, events: number, wireBytes: number): void {
  t.add(SHIPPER, 'armorwatch_component_sent_events_total', events)
  t.add(SHIPPER, 'armorwatch_component_sent_bytes_total', wireBytes)
}

/** A failed request: `rejected` when the manager refuses this agent (401/403), else `request_failed`. */
export function shipFailed(t: Telemetry, rejected: boolean, msg: string, data: Record<string, unknown>): void {
  t.error(SHIPPER, rejected ? 'rejected' : 'request_failed', 'sending', msg, data)
}
