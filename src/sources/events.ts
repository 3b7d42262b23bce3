/**
 * The sources' telemetry catalogue (STYLE.md P9): everything a source instance counts and logs,
 * here and nowhere else. Received = raw lines read (bytes as UTF-8); sent = events handed on to the
 * spool; errors carry a fixed `error_type` and `stage`; lines that become no event are discarded,
 * not intentionally.
 */
import type { SourceBatch, SourceNotice } from './types.js'
import type { Component, ErrorType, Telemetry } from './telemetry.js'

export function sourceComponent(key: string, type: string): Component {
  return { id: key, kind: 'source', type }
}

/** A batch as read by the source (before normalization). */
export function linesReceived(t: Telemetry, c: Component, batch: SourceBatch): void {
  let bytes = 0
  for (const l of batch.lines) bytes += Buffer.byteLength(l.line) + 1
  t.add(c, 'armorwatch_component_received_events_total', batch.lines.length)
  t.add(c, 'armorwatch_component_received_bytes_total', bytes)
}

/** Events of this source committed to the spool. */
export function eventsSent(t: Telemetry, c: Component, events: number, bytes: number): void {
  t.add(c, 'armorwatch_component_sent_events_total', events)
  t.add(c, 'armorwatch_component_sent_bytes_total', bytes)
}

const NOTICE_ERRORS: Record<SourceNotice['kind'], ErrorType> = {
  truncated: 'reader_failed',
  rotated_file_missing: 'reader_failed',
  source_failed: 'reader_failed',
  lost: 'reader_failed',
  line_too_long: 'line_truncated',
}

/** Something the source noticed (it also becomes an `agent` event for the manager). */
export function noticeRaised(t: Telemetry, c: Component, n: SourceNotice): void {
  // Kernel messages overwritten before they were read are events lost for good.
  if (n.kind === 'lost' && n.count !== undefined) t.add(c, 'armorwatch_component_discarded_events_total', n.count, { intentional: 'false' })
  t.error(c, NOTICE_ERRORS[n.kind], 'receiving', n.message, { notice: n.kind })
}

/** A line the normalizer could not parse: quarantined to parse-errors.log, no event made of it. */
export function parseFailed(t: Telemetry, c: Component, e: { line: number; column: number; message: string }): void {
  t.error(c, 'parser_failed', 'processing', 'A line does not parse; it is kept in parse-errors.log.', { line: e.line, column: e.column, reason: e.message })
  t.add(c, 'armorwatch_component_discarded_events_total', 1, { intentional: 'false' })
}

/** The source stopped with an error; the agent restarts it. */
export function sourceFailed(t: Telemetry, c: Component, err: Error): void {
  t.error(c, 'reader_failed', 'receiving', 'A source failed; restarting it in 5 s.', { reason: err.message })
}
