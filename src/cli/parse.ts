/** `armorwatch parse`: log files in any envelope → normalized Events (NDJSON or a table). */
import { createReadStream, promises as fs } from 'node:fs'
import type { Readable, Writable } from 'node:stream'
import type { Command } from 'commander'
import type { Event } from '../event/index.js'
import { Normalizer, type ParseError } from '../normalize/index.js'
import { FileTail } from '../sources/file/tail.js'
import { LineSplitter } from '../sources/lines.js'
import { action, CliError, Exit, type ExitCode } from './exit.js'
import { formatTable, paint, printJson, TableStream, useColor } from './output.js'

interface ParseOptions {
  follow?: boolean
  format: 'ndjson' | 'table'
  summary?: boolean
  json?: boolean
  year?: string
}

interface Summary {
  files: number
  lines: number
  records: number
  events: number
  malformed: number
  by_kind: Record<string, number>
  by_status: Record<string, number>
}

/** Buffers output and honours back-pressure, so a million events do not pile up in memory. */
class Output {
  #chunk = ''
  constructor(private readonly out: Writable) {}
  async write(s: string): Promise<void> {
    this.#chunk += s
    if (this.#chunk.length > 1 << 16) await this.flush()
  }
  async flush(): Promise<void> {
    if (this.#chunk === '') return
    const ok = this.out.write(this.#chunk)
    this.#chunk = ''
    if (!ok) await new Promise<void>((resolve) => this.out.once('drain', resolve))
  }
}

const tableHeader = ['time', 'kind', 'type', 'profile/exe', 'operation', 'name'] as const

function tableRow(e: Event): string[] {
  const f = e.fields
  const s = (k: string) => (f[k] === undefined ? '' : String(f[k]))
  return [e.time, e.kind, s('audit.type') || s('syslog.program'), s('apparmor.profile') || s('audit.exe'), s('apparmor.operation') || s('audit.syscall'), s('apparmor.name') || s('syslog.message')]
}

async function readSource(path: string, opts: ParseOptions, out: Output, summary: Summary, color: boolean): Promise<void> {
  const location = path === '-' ? 'stdin' : path
  // One table per file, written batch by batch: `--follow` shows rows as they come, and a large file is never held whole.
  const table = new TableStream(tableHeader)
  const pending: Event[] = []
  const normalizer = new Normalizer({
    location,
    source: path === '-' ? 'stdin' : 'file',
    year: opts.year === undefined ? undefined : Number(opts.year),
    assembler: opts.follow ? { clock: 'wall' } : undefined,
    emit: (e) => pending.push(e),
    onError: (err: ParseError) => {
      process.stderr.write(`${paint(`${err.location}:${err.line}:${err.column}`, 'bold', color)}: ${paint('error', 'red', color)}: ${err.message}\n`)
    },
  })
  const drain = async (): Promise<void> => {
    const rows: string[][] = []
    for (const e of pending) {
      summary.events++
      summary.by_kind[e.kind] = (summary.by_kind[e.kind] ?? 0) + 1
      const status = e.fields['apparmor.status']
      if (typeof status === 'string') summary.by_status[status] = (summary.by_status[status] ?? 0) + 1
      if (opts.summary) continue
      if (opts.format === 'table') rows.push(tableRow(e))
      else await out.write(JSON.stringify(e) + '\n')
    }
    pending.length = 0
    if (rows.length) await out.write(table.format(rows))
    // Following a file or reading a pipe (`tail -f kern.log | armorwatch parse -`), what was read is
    // shown at once, not when 64 KiB have piled up or at the end; once per chunk read, not per event.
    if (opts.follow || path === '-') await out.flush()
  }
  // Drains run one after the other: a live pipe also drains from its timer.
  let draining = Promise.resolve()
  const drainInTurn = (): Promise<void> => (draining = draining.then(drain))
  const readLines = async (input: Readable): Promise<void> => {
    const split = new LineSplitter()
    const push = (lines: string[]) => {
      for (const line of lines) normalizer.push(line.endsWith('\r') ? line.slice(0, -1) : line)
    }
    // `--follow -`: a live pipe (`tail -f audit.log | armorwatch parse --follow -`) is on the wall
    // clock, so an event still waiting for records goes out after its 2 s even while no line comes.
    const tick = opts.follow
      ? setInterval(() => {
          normalizer.expire()
          void drainInTurn()
        }, 250)
      : undefined
    try {
      for await (const chunk of input) {
        push(split.push(chunk as Buffer))
        if (pending.length) await drainInTurn()
      }
    } finally {
      clearInterval(tick)
    }
    push(split.end())
  }
  if (path === '-') await readLines(process.stdin)
  else if (opts.follow) await follow(path, normalizer, drainInTurn, color)
  else await readLines(createReadStream(path))
  normalizer.flush()
  await drainInTurn()
  const st = normalizer.stats
  summary.files++
  summary.lines += st.lines
  summary.records += st.records
  summary.malformed += st.malformed
}

/**
 * Follows `path` from its start until SIGINT, through rotation and truncation (the agent's file
 * tail), with the assembler on the wall clock so events complete while the file is quiet.
 */
async function follow(path: string, normalizer: Normalizer, drain: () => Promise<void>, color: boolean): Promise<void> {
  const tail = new FileTail(path, undefined, { fromBeginning: true })
  const stop = new AbortController()
  const onSignal = () => stop.abort()
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  try {
    while (!stop.signal.aborted) {
      const { lines, notices } = await tail.poll()
      for (const n of notices) process.stderr.write(`${paint(path, 'bold', color)}: ${paint('notice', 'yellow', color)}: ${n.message}\n`)
      for (const line of lines) normalizer.push(line)
      normalizer.expire()
      await drain()
      if (lines.length === 0) await new Promise((r) => setTimeout(r, 250))
    }
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
    await tail.close()
  }
}

async function run(files: string[], opts: ParseOptions): Promise<ExitCode> {
  if (opts.format !== 'ndjson' && opts.format !== 'table') throw new CliError(`--format must be ndjson or table, not "${opts.format}"`)
  if (opts.year !== undefined && !/^\d{4}$/.test(opts.year)) throw new CliError(`--year must be a four-digit year`)
  const sources = files.length ? files : ['-']
  for (const f of sources) {
    if (f === '-') continue
    const st = await fs.stat(f).catch(() => undefined)
    if (!st?.isFile()) throw new CliError(`cannot read ${f}: ${st ? 'not a regular file' : 'no such file'}`)
  }
  const out = new Output(process.stdout)
  const summary: Summary = { files: 0, lines: 0, records: 0, events: 0, malformed: 0, by_kind: {}, by_status: {} }
  const color = useColor(process.stderr)
  // Files are read one after the other (output in file order), except when following them all.
  if (opts.follow) await Promise.all(sources.map((f) => readSource(f, opts, out, summary, color)))
  else for (const f of sources) await readSource(f, opts, out, summary, color)
  await out.flush()
  if (opts.summary) {
    if (opts.json) printJson(summary)
    else {
      const rows = [
        ['files', String(summary.files)], ['lines', String(summary.lines)], ['records', String(summary.records)],
        ['events', String(summary.events)], ['malformed lines', String(summary.malformed)],
        ...Object.entries(summary.by_kind).map(([k, v]) => [`kind ${k}`, String(v)]),
        ...Object.entries(summary.by_status).map(([k, v]) => [`apparmor ${k}`, String(v)]),
      ]
      process.stdout.write(formatTable(['', 'count'], rows))
    }
  }
  return summary.malformed > 0 ? Exit.Findings : Exit.Ok
}

export function register(program: Command): void {
  program
    .command('parse')
    .summary('Read AppArmor and audit logs in any envelope and print normalized events')
    .description(
      'Reads AppArmor and kernel audit records from audit.log (raw or ENRICHED), syslog/kern.log, dmesg, /dev/kmsg\n' +
        'captures, journalctl -o json, ausearch -i output and more, detecting the envelope of every line, joins\n' +
        'multi-record audit events, and prints one normalized event per line. Each FILE is its own source\n' +
        '("-" or none: standard input). Malformed lines are reported on stderr with FILE:LINE:COLUMN.\n\n' +
        'Exit status: 0 ok, 1 some lines were malformed, 2 usage or I/O error.',
    )
    .argument('[files...]', 'log files to read ("-" for standard input)')
    .option('-f, --follow', 'keep reading what is appended to each file, across rotation (until Ctrl-C); with -, the pipe is live: events waiting for more records go out after 2 s')
    .option('--format <format>', 'output format: ndjson or table', 'ndjson')
    .option('--summary', 'print only the counts (events by kind and status, records, malformed lines)')
    .option('--json', 'with --summary: print the counts as JSON')
    .option('--year <year>', 'year for BSD syslog dates, which carry none (default: the current year)')
    .action(action(run))
}
