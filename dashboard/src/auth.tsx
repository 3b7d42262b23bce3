/** Who is logged in: the manager's session (HttpOnly cookie) as seen through /api/auth/me. */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import { ApiError, api, csrf, setUnauthenticatedHandler } from './api/client.js'
import type { User } from './api/types.js'

interface Auth {
  /** undefined while the session is being checked, null when logged out. */
  user: User | null | undefined
  login(username: string, password: string): Promise<void>
  logout(): Promise<void>
}

const AuthContext = createContext<Auth | null>(null)

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined)
  useEffect(() => {
    setUnauthenticatedHandler(() => setUser(null))
    api
      .get<{ user: User }>('/api/auth/me')
      .then((r) => setUser(r.user))
      .catch(() => setUser(null))
  }, [])
  const login = useCallback(async (username: string, password: string) => {
    const r = await api.post<{ user: User; csrf_token: string }>('/api/auth/login', { username, password })
    csrf.set(r.csrf_token)
    setUser(r.user)
  }, [])
  const logout = useCallback(async () => {
    try {
      await api.post('/api/auth/logout', {})
    } catch (err) {
      // An expired session is logged out already; anything else is worth showing.
      if (!(err instanceof ApiError && err.status === 401)) throw err
    } finally {
      csrf.set(null)
      setUser(null)
    }
  }, [])
  const value = useMemo(() => ({ user, login, logout }), [user, login, logout])
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>
}

export function useAuth(): Auth {
  const a = useContext(AuthContext)
  if (!a) throw new Error('useAuth outside AuthProvider')
  return a
}
