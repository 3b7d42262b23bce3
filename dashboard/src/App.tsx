/**
 * The app: login gate, then the layout and one lazily loaded page per route. Reports and Response
 * are not in the navigation: their backing features are not built yet.
 */
import { lazy, Suspense } from 'react'
import { BrowserRouter, Route, Routes } from 'react-router'
import { AuthProvider, useAuth } from './auth.js'
import { Layout } from './components/Layout.js'
import { Login } from './components/Login.js'
import { Loading } from './components/ui.js'
import { LiveProvider } from './live.js'

const Overview = lazy(() => import('./pages/Overview.js'))
const Explorer = lazy(() => import('./pages/Explorer.js'))
const Integrity = lazy(() => import('./pages/Integrity.js'))
const Profiles = lazy(() => import('./pages/Profiles.js'))
const Security = lazy(() => import('./pages/Security.js'))
const Agents = lazy(() => import('./pages/Agents.js'))
const Rules = lazy(() => import('./pages/Rules.js'))
const NotFound = lazy(() => import('./pages/NotFound.js'))

function Gate() {
  const { user } = useAuth()
  if (user === undefined) return <Loading label="Checking session" />
  // Logged out: the login form at the same URL, so a shared link opens its view after login.
  if (user === null) return <Login />
  return (
    <LiveProvider>
      <Layout>
        <Suspense fallback={<Loading label="Loading page" />}>
          <Routes>
            <Route path="/" element={<Overview />} />
            <Route path="/explorer" element={<Explorer />} />
            <Route path="/integrity" element={<Integrity />} />
            <Route path="/profiles" element={<Profiles />} />
            <Route path="/security" element={<Security />} />
            <Route path="/agents" element={<Agents />} />
            <Route path="/rules" element={<Rules />} />
            <Route path="*" element={<NotFound />} />
          </Routes>
        </Suspense>
      </Layout>
    </LiveProvider>
  )
}

export function App() {
  return (
    <BrowserRouter>
      <AuthProvider>
        <Gate />
      </AuthProvider>
    </BrowserRouter>
  )
}
