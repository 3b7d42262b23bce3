/** The AppArmor state reader (securityfs + procfs) and aa-status on top of it. */
export { readStatus, parseProfiles, parseProfileLines, parseCurrent, splitcon, findSecurityfs, apparmorPaths } from './read.js'
export type { AppArmorStatus, ProcessEntry, ProfileEntry, ProfileMode, ReadStatusOptions } from './read.js'
export { aaStatus, aaEnabled, defaultOptions, AaStatusExit } from './aa-status.js'
export type { AaStatusOptions, AaStatusResult, AaStatusExitCode } from './aa-status.js'
export { renderCompact, renderPretty } from './format.js'
export type { JsonValue } from './format.js'
export { breToRe2 } from './filter.js'
