/**
 * Runs async jobs one at a time in submission order. The store's writes (appends, retention
 * deletes) go through one queue on one connection, so a retention step waits for the batch in
 * flight and ingestion waits at most for one retention step, never for the whole purge.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve()
  private pending = 0

  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++
    const result = this.tail.then(job, job)
    this.tail = result.then(
      () => this.pending--,
      () => this.pending--,
    )
    return result
  }

  /** Jobs submitted and not yet finished. */
  get depth(): number {
    return this.pending
  }
}
