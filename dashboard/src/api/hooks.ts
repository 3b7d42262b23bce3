/** Data fetching for views: one request per distinct URL, aborted when the view or the URL changes. */
import { useCallback, useEffect, useState } from 'react'
import { ApiError, api, apiUrl, type Params } from './client.js'

export interface Loaded<T> {
  data: T | undefined
  error: ApiError | undefined
  loading: boolean
  reload: () => void
}

function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError(0, 'AW_ERR_NETWORK', err instanceof Error ? err.message : String(err))
}

/** GETs `path` with `params` (nothing when path is null); keeps the previous data while reloading. */
export function useApi<T>(path: string | null, params: Params = {}): Loaded<T> {
  const key = path === null ? null : apiUrl(path, params)
  const [state, setState] = useState<{ key: string | null; data?: T; error?: ApiError; loading: boolean }>({ key: null, loading: path !== null })
  const [generation, setGeneration] = useState(0)
  useEffect(() => {
    if (key === null || path === null) return
    const ctl = new AbortController()
    setState((s) => ({ ...s, loading: true }))
    api
      .get<T>(key, undefined, ctl.signal)
      .then((data) => setState({ key, data, loading: false }))
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return
        setState({ key, error: asApiError(err), loading: false })
      })
    return () => ctl.abort()
    // `key` is the whole request (path and params serialized); `generation` forces a reload.
  }, [key, path, generation])
  const reload = useCallback(() => setGeneration((g) => g + 1), [])
  return { data: state.data, error: state.error, loading: state.loading, reload }
}
