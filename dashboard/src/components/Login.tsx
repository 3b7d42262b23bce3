/** The login form: the manager's users (armorwatch user add), rate-limited by the manager. */
import { useState, type FormEvent } from 'react'
import { ApiError } from '../api/client.js'
import { useAuth } from '../auth.js'
import { useTheme } from '../theme.js'

export function Login() {
  const { login } = useAuth()
  useTheme()
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: FormEvent) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await login(username, password)
    } catch (err) {
      setError(err instanceof ApiError && err.code === 'AW_ERR_BAD_CREDENTIALS' ? 'Wrong user name or password.' : (err as Error).message)
      setBusy(false)
    }
  }
  return (
    <main className="login">
      <form className="login-card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <div className="brand brand-lg" aria-hidden="true">
          <span className="brand-mark">◆</span> armorwatch
        </div>
        <h1 id="login-title">Sign in</h1>
        <label>
          User name
          <input name="username" autoComplete="username" required autoFocus value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label>
          Password
          <input name="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  )
}
