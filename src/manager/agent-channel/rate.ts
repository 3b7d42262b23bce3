/**
 * Events per second over the last minute, per agent: 60 one-second buckets each, so adding is O(1)
 * and the memory per agent is fixed whatever the rate.
 */
import type { Bus } from '../../bus/index.js'

const WINDOW_S = 60

interface Buckets {
  counts: Float64Array
  /** The second (epoch) of each bucket's count; a bucket from an older minute counts as empty. */
  seconds: Float64Array
}

export class EventRate {
  readonly #agents = new Map<string, Buckets>()

  add(agent: string, n: number, now = Date.now()): void {
    let b = this.#agents.get(agent)
    if (!b) {
      b = { counts: new Float64Array(WINDOW_S), seconds: new Float64Array(WINDOW_S).fill(-1) }
      this.#agents.set(agent, b)
    }
    const sec = Math.floor(now / 1000)
    const i = sec % WINDOW_S
    if (b.seconds[i] !== sec) {
      b.seconds[i] = sec
      b.counts[i] = 0
    }
    b.counts[i] += n
  }

  /** Mean events per second over the last 60 s (the current second included); 0 for an unknown agent. */
  perSecond(agent: string, now = Date.now()): number {
    const b = this.#agents.get(agent)
    if (!b) return 0
    const sec = Math.floor(now / 1000)
    let sum = 0
    for (let i = 0; i < WINDOW_S; i++) if (b.seconds[i] > sec - WINDOW_S && b.seconds[i] <= sec) sum += b.counts[i]
    return Math.round((sum / WINDOW_S) * 100) / 100
  }
}

/** The bus as an in-process agent sees it: each batch is counted once the bus has handled it. */
export function countingBus(bus: Bus, rate: EventRate): Bus {
  return {
    publish: async (batch) => {
      await bus.publish(batch)
      rate.add(batch.agent, batch.events.length)
    },
    consume: (handler, maxBatches) => bus.consume(handler, maxBatches),
    get depth() {
      return bus.depth
    },
    close: () => bus.close(),
  }
}
