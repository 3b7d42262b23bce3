/** Reloads a view's data when live alerts arrive, at most once per interval (a burst is one reload). */
import { useEffect, useRef } from 'react'
import { useLive } from './live.js'

export function useRefreshOnLive(reloads: (() => void)[], intervalMs = 10_000): void {
  const { received } = useLive()
  const last = useRef({ received, at: 0 })
  const latest = useRef(reloads)
  latest.current = reloads
  useEffect(() => {
    if (received === last.current.received) return
    const wait = Math.max(0, last.current.at + intervalMs - Date.now())
    const timer = setTimeout(() => {
      last.current = { received, at: Date.now() }
      for (const r of latest.current) r()
    }, wait)
    return () => clearTimeout(timer)
  }, [received, intervalMs])
}
