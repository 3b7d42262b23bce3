/**
 * The list of CLI commands. Each command lives in its own file and exports `register`, which adds
 * it (with its options, `--help` text and action) to the program; add new commands here.
 */
import type { Command } from 'commander'
import { register as parse } from './parse.js'
import { register as status } from './status.js'
import { register as fim } from './fim.js'
import { register as profile } from './profile.js'
import { register as rules } from './rules.js'
import { register as analyze } from './analyze.js'
import { register as logtest } from './logtest.js'
import { register as up } from './up.js'
import { register as manager } from './manager.js'
import { register as query } from './query.js'
import { register as user } from './user.js'
import { register as agent } from './agent.js'
import { register as agents } from './agents.js'
import { register as enroll } from './enroll.js'

export const commands: ReadonlyArray<(program: Command) => void> = [parse, status, fim, profile, rules, analyze, logtest, up, manager, query, user, agent, agents, enroll]
