/**
 * Writing queries from values, for the API's own queries and the dashboard's click-throughs alike
 * (plain code, no Node: the browser bundle imports it too).
 */

/** A value as a quoted query-language phrase (names from alerts are never spliced in raw). */
export function phrase(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}

const SPANS: readonly [number, string][] = [[60e3, '1m'], [300e3, '5m'], [900e3, '15m'], [3600e3, '1h'], [4 * 3600e3, '4h'], [86400e3, '1d']]

/** The `timechart span=` for a range this long: the smallest that makes at most 120 buckets. */
export function spanForDuration(ms: number): string {
  return (SPANS.find(([s]) => ms / s <= 120) ?? [0, '1w'])[1]
}
