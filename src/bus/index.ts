export type { Bus, EventBatch } from './bus.js'
export { InProcessBus, BusClosedError } from './in-process.js'
