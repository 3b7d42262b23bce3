/** A plain HTTP client for the manager tests: JSON GETs and a Server-Sent Events reader. */
import { request, type IncomingMessage } from 'node:http'

export interface Reply {
  status: number
  text: string
  body: Record<string, unknown>
}

export function getJson(url: string, headers: Record<string, string>): Promise<Reply> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      let text = ''
      res.on('data', (c: Buffer) => (text += c.toString()))
      res.on('end', () => {
        let body: Record<string, unknown> = {}
        try {
          body = JSON.parse(text) as Record<string, unknown>
        } catch {
          // Not JSON (metrics text).
        }
        resolve({ status: res.statusCode ?? 0, text, body })
      })
    })
      .on('error', reject)
      .end()
  })
}

/** An alert as the tests read it from an event's data. */
export interface StreamedAlert {
  id?: string
  full_log?: string
  rule?: { id?: string; level?: number }
  data?: { apparmor?: Record<string, unknown> }
  [key: string]: unknown
}

export interface SseEvent {
  event: string
  data: StreamedAlert
}

export interface Stream {
  status: number
  contentType: string
  /** Comment lines received (`: ping`, `: connected`). */
  comments: () => string[]
  received: (event: string) => SseEvent[]
  /** The next event of this type not yet returned by next(). */
  next: (event: string, timeoutMs: number) => Promise<SseEvent>
  /** Resolves when the server ends the connection. */
  ended: Promise<void>
  /** Stops reading from the socket (a slow client) without closing it; resume() reads on. */
  pause: () => void
  resume: () => void
  close: () => void
}

/** Opens an event stream and parses it as it arrives (the EventSource wire format). */
export function openStream(url: string, headers: Record<string, string>): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { accept: 'text/event-stream', ...headers } }, (res: IncomingMessage) => {
      const events: SseEvent[] = []
      const comments: string[] = []
      const taken = new Map<string, number>()
      let buf = ''
      let wake: (() => void) | undefined
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buf += chunk
        let end: number
        while ((end = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, end)
          buf = buf.slice(end + 2)
          let event = 'message'
          const data: string[] = []
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line)
            else if (line.startsWith('event: ')) event = line.slice(7)
            else if (line.startsWith('data: ')) data.push(line.slice(6))
          }
          if (data.length) events.push({ event, data: JSON.parse(data.join('\n')) as StreamedAlert })
        }
        wake?.()
      })
      const ended = new Promise<void>((done) => {
        res.on('close', done)
        res.on('error', () => done())
      })
      resolve({
        status: res.statusCode ?? 0,
        contentType: String(res.headers['content-type'] ?? ''),
        comments: () => comments,
        received: (type) => events.filter((e) => e.event === type),
        async next(type, timeoutMs) {
          const deadline = Date.now() + timeoutMs
          for (;;) {
            const all = events.filter((e) => e.event === type)
            const i = taken.get(type) ?? 0
            const e = all[i]
            if (e) {
              taken.set(type, i + 1)
              return e
            }
            if (Date.now() > deadline) throw new Error(`no '${type}' event within ${timeoutMs} ms`)
            await new Promise<void>((r) => {
              wake = r
              setTimeout(r, 100)
            })
          }
        },
        ended,
        pause: () => res.pause(),
        resume: () => res.resume(),
        close: () => req.destroy(),
      })
    })
    req.on('error', reject)
    req.end()
  })
}
