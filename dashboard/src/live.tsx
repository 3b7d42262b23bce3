/**
 * Live alerts: one Server-Sent Events stream (/api/alerts/stream) for the whole app. Views read
 * how many alerts arrived (to refresh) and the latest ones (the overview's feed). A manager
 * without the stream route, or a dropped stream, shows as "offline" and is retried.
 */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react'
import type { Alert } from './api/types.js'

export interface Live {
  state: 'connecting' | 'live' | 'offline'
  /** Alerts received since the page was opened. */
  received: number
  /** The newest first, at most RECENT. */
  recent: Alert[]
}

const RECENT = 20
const RETRY_MS = 15_000
const LiveContext = createContext<Live>({ state: 'offline', received: 0, recent: [] })

export function LiveProvider({ children }: { children: ReactNode }) {
  const [live, setLive] = useState<Live>({ state: 'connecting', received: 0, recent: [] })
  useEffect(() => {
    let es: EventSource | undefined
    let retry: ReturnType<typeof setTimeout> | undefined
    const connect = () => {
      es = new EventSource('/api/alerts/stream')
      es.onopen = () => setLive((l) => ({ ...l, state: 'live' }))
      es.addEventListener('alert', (e: MessageEvent<string>) => {
        let alert: Alert
        try {
          alert = JSON.parse(e.data) as Alert
        } catch {
          return
        }
        setLive((l) => ({ state: 'live', received: l.received + 1, recent: [alert, ...l.recent].slice(0, RECENT) }))
      })
      es.onerror = () => {
        // EventSource retries by itself after a network error; a refused stream (HTTP error) is closed.
        if (es?.readyState === EventSource.CLOSED) {
          setLive((l) => ({ ...l, state: 'offline' }))
          retry = setTimeout(connect, RETRY_MS)
        } else setLive((l) => ({ ...l, state: 'connecting' }))
      }
    }
    connect()
    return () => {
      es?.close()
      if (retry) clearTimeout(retry)
    }
  }, [])
  return <LiveContext.Provider value={live}>{children}</LiveContext.Provider>
}

export function useLive(): Live {
  return useContext(LiveContext)
}
