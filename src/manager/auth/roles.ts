/** Roles are ordered: an admin can do what an analyst can, an analyst what a viewer can. */
import type { Role } from '../../store/sqlite/state.js'

const RANK: Record<Role, number> = { viewer: 0, analyst: 1, admin: 2 }

export function hasRole(have: Role, need: Role): boolean {
  return RANK[have] >= RANK[need]
}
