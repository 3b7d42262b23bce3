/**
 * An alert in Wazuh's JSON shape (src/analysisd/format/to_json.c), so Wazuh queries and habits
 * (`rule.groups`, `data.audit.exe`, `syscheck.path`) carry over. Produced by the rule engine
 * (src/rules), stored and queried by the manager.
 */

export interface AlertRule {
  id: string
  /** Absent for level 0 (never written as an alert anyway). */
  level: number
  description: string
  groups: string[]
  firedtimes?: number
  mail: boolean
  /** The configured frequency, for correlation rules only. */
  frequency?: number
  mitre?: { id: string[]; tactic: string[]; technique: string[] }
  pci_dss?: string[]
  gdpr?: string[]
  hipaa?: string[]
  nist_800_53?: string[]
  tsc?: string[]
  gpg13?: string[]
  info?: string
}

/** A JSON-like value inside `data` (decoder fields, nested by their dots). */
export type AlertData = { [key: string]: AlertValue }
export type AlertValue = string | number | boolean | null | readonly AlertValue[] | AlertData

export interface Alert {
  /** ISO 8601 with milliseconds and a numeric offset, e.g. `2026-11-20T10:01:05.905+0000`. */
  timestamp: string
  rule: AlertRule
  agent: { id: string; name: string; ip?: string }
  manager: { name: string }
  /** `<epoch seconds>.<counter>`. */
  id: string
  full_log?: string
  syscheck?: AlertData
  predecoder?: { program_name?: string; timestamp?: string; hostname?: string }
  decoder: { name?: string; parent?: string }
  data?: AlertData
  location: string
  previous_output?: string
}
