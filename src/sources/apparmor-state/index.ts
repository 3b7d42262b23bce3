/** AppArmor state monitoring: the securityfs poller, its change detection and its Events. */
export { AppArmorStatePoller, AppArmorStateConfig } from './poller.js'
export type { StatePollerOptions } from './poller.js'
export { diffStatus, isWeakening } from './changes.js'
export type { StateChange, StateChangeKind } from './changes.js'
export { changeEvent, inventoryEvent } from './events.js'
