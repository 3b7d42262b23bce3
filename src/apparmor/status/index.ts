/** The AppArmor state reader (securityfs + procfs) and its aa-status renderings. */
export { readStatus, parseProfiles, parseCurrent, splitLabel, apparmorPaths } from './read.js'
export type { AppArmorStatus, ProcessEntry, ProfileMode, ProcessStatus, ReadStatusOptions } from './read.js'
export { toAaStatusJson, formatStatusText } from './format.js'
export type { AaStatusJson } from './format.js'
