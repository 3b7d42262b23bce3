/**
 * Versioned schema of the analytical database. Each migration runs once, in order, inside a
 * transaction, and is recorded in `schema_migrations`; never edit a released migration, add one.
 */
import { ALERT_COLUMNS, type ColumnType } from '../schema.js'

const SQL_TYPE: Record<ColumnType, string> = { text: 'VARCHAR', int: 'INTEGER', list: 'VARCHAR[]', time: 'TIMESTAMP' }

/** The migration that creates agent_marks; the store seeds it from the marks kept before (state.sqlite). */
export const MARKS_VERSION = 2

export const MIGRATIONS: readonly { version: number; description: string; sql: readonly string[] }[] = [
  {
    version: 1,
    description: 'alerts (full document + aggregated columns) and the event archive',
    sql: [
      `CREATE TABLE alerts (seq BIGINT NOT NULL, ${ALERT_COLUMNS.map((c) => `${c.column} ${SQL_TYPE[c.type]}`).join(', ')}, doc VARCHAR NOT NULL)`,
      `CREATE TABLE events (seq BIGINT NOT NULL, ts TIMESTAMP NOT NULL, agent VARCHAR, agent_seq BIGINT, source VARCHAR,
        location VARCHAR, kind VARCHAR, raw VARCHAR, fields VARCHAR)`,
    ],
  },
  {
    version: MARKS_VERSION,
    description: 'agent_marks: the highest stored event seq per agent, committed with the alerts (dedup by (agent, seq))',
    sql: ['CREATE TABLE agent_marks (agent VARCHAR PRIMARY KEY, seq BIGINT NOT NULL)'],
  },
]
