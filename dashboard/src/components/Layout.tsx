/** The frame around every page: navigation, time range, live status, theme, user and logout. */
import { useState, type ReactNode } from 'react'
import { NavLink, useLocation, useSearchParams } from 'react-router'
import { useAuth } from '../auth.js'
import { useLive } from '../live.js'
import { useTheme } from '../theme.js'
import { TimePicker } from './TimePicker.js'

const NAV = [
  { to: '/', label: 'Overview' },
  { to: '/explorer', label: 'Explorer' },
  { to: '/integrity', label: 'Integrity' },
  { to: '/profiles', label: 'Profiles' },
  { to: '/security', label: 'Security metrics' },
  { to: '/agents', label: 'Agents' },
  { to: '/rules', label: 'Rules' },
] as const

/** Links keep the time range, so moving between pages keeps looking at the same period. */
function rangeSearch(sp: URLSearchParams): string {
  const keep = new URLSearchParams()
  for (const k of ['from', 'to']) {
    const v = sp.get(k)
    if (v) keep.set(k, v)
  }
  const s = keep.toString()
  return s ? `?${s}` : ''
}

export function Layout({ children }: { children: ReactNode }) {
  const { user, logout } = useAuth()
  const live = useLive()
  const [theme, toggleTheme] = useTheme()
  const [sp] = useSearchParams()
  const location = useLocation()
  const [logoutError, setLogoutError] = useState<string | null>(null)
  const search = rangeSearch(sp)
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{' '}
          armorwatch
        </div>
        <ul>
          {NAV.map((n) => (
            <li key={n.to}>
              <NavLink to={{ pathname: n.to, search }} end={n.to === '/'}>
                {n.label}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <div className="content">
        <header className="topbar">
          <TimePicker key={location.pathname} />
          <div className="topbar-right">
            <span className={`live live-${live.state}`} title={live.state === 'live' ? 'New alerts appear as they are stored' : 'The live stream is not connected; it is retried'}>
              <span className="dot" aria-hidden="true" />
              {live.state === 'live' ? `Live · ${live.received} new` : live.state === 'connecting' ? 'Connecting…' : 'Live offline'}
            </span>
            <button type="button" className="ghost" onClick={toggleTheme} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
              {theme === 'dark' ? '☀ Light' : '☾ Dark'}
            </button>
            <span className="user" title={`Role: ${user?.role ?? ''}`}>
              {user?.name}
            </span>
            <button
              type="button"
              className="ghost"
              onClick={() => {
                logout().catch((err: Error) => setLogoutError(err.message))
              }}
            >
              Log out
            </button>
          </div>
        </header>
        {logoutError && (
          <p className="error banner" role="alert">
            Logout failed: {logoutError}
          </p>
        )}
        <main id="main" tabIndex={-1}>
          {children}
        </main>
      </div>
    </div>
  )
}
