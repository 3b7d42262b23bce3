/**
 * `armorwatch user add|passwd|token|list|del`: manages API users in a data directory's state
 * database (SQLite, shared safely with a running manager).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { defaultDataDir } from '../manager/config.js'
import { digest, hashPassword, MIN_PASSWORD_LENGTH, newPassword, newSecret } from '../manager/auth/secrets.js'
import { ROLES, STATE_DB, StateStore, type Role } from '../store/index.js'
import { action, CliError, Exit, type ExitCode } from './exit.js'
import { formatTable, printJson } from './output.js'

interface Common {
  dataDir?: string
  json?: boolean
}

function openState(o: Common): StateStore {
  const dir = o.dataDir ?? process.env.ARMORWATCH_DATA_DIR ?? defaultDataDir()
  if (!existsSync(join(dir, STATE_DB))) throw new CliError(`no armorwatch data in ${dir} (run armorwatch up first, or pass --data-dir)`)
  return new StateStore(join(dir, STATE_DB))
}

async function readPassword(fromStdin: boolean | undefined): Promise<{ password: string; generated: boolean }> {
  if (!fromStdin) return { password: newPassword(), generated: true }
  let text = ''
  for await (const chunk of process.stdin) text += String(chunk)
  const password = text.split('\n')[0]?.replace(/\r$/, '') ?? ''
  if (password.length < MIN_PASSWORD_LENGTH) throw new CliError(`the password must have at least ${MIN_PASSWORD_LENGTH} characters`)
  return { password, generated: false }
}

function withState<A extends unknown[]>(fn: (state: StateStore, ...args: A) => Promise<ExitCode>, common: (...args: A) => Common) {
  return action(async (...args: A) => {
    const state = openState(common(...args))
    try {
      return await fn(state, ...args)
    } finally {
      state.close()
    }
  })
}

function report(o: Common, data: Record<string, unknown>, text: string): void {
  if (o.json) printJson(data)
  else process.stdout.write(text + '\n')
}

export function register(program: Command): void {
  const user = program.command('user').description('Manage API and dashboard users and their tokens')
  const dataDir = (c: Command) => c.option('-d, --data-dir <dir>', 'data directory (default: $ARMORWATCH_DATA_DIR, else ~/.local/share/armorwatch)').option('--json', 'print the result as JSON')

  dataDir(
    user
      .command('add')
      .description('Add a user (the password is generated and shown once, unless --password-stdin)')
      .argument('<name>')
      .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
      .option('--password-stdin', 'read the password from the first line of stdin'),
  ).action(
    withState(
      async (state, name: string, o: Common & { role: string; passwordStdin?: boolean }) => {
        if (!ROLES.includes(o.role as Role)) throw new CliError(`--role ${o.role}: use ${ROLES.join(', ')}`)
        if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(name)) throw new CliError(`invalid user name '${name}' (letters, digits, _ . @ -)`)
        if (state.userByName(name)) throw new CliError(`user '${name}' exists`, Exit.Findings)
        const { password, generated } = await readPassword(o.passwordStdin)
        state.addUser(name, await hashPassword(password), o.role as Role)
        report(o, { name, role: o.role, ...(generated ? { password } : {}) }, `added ${name} (${o.role})${generated ? `, password: ${password}` : ''}`)
        return Exit.Ok
      },
      (_n, o) => o,
    ),
  )

  dataDir(
    user
      .command('passwd')
      .description("Set a user's password (generated and shown once, unless --password-stdin); ends their sessions")
      .argument('<name>')
      .option('--password-stdin', 'read the password from the first line of stdin'),
  ).action(
    withState(
      async (state, name: string, o: Common & { passwordStdin?: boolean }) => {
        if (!state.userByName(name)) throw new CliError(`no user '${name}'`, Exit.Findings)
        const { password, generated } = await readPassword(o.passwordStdin)
        state.setPassword(name, await hashPassword(password))
        report(o, { name, ...(generated ? { password } : {}) }, `password of ${name} changed${generated ? `: ${password}` : ''}`)
        return Exit.Ok
      },
      (_n, o) => o,
    ),
  )

  dataDir(
    user
      .command('token')
      .description('Create an API token for a user (for scripts and `armorwatch query`); shown once')
      .argument('<name>')
      .option('--token-name <label>', 'a label for the token', 'cli'),
  ).action(
    withState(
      async (state, name: string, o: Common & { tokenName: string }) => {
        const u = state.userByName(name)
        if (!u) throw new CliError(`no user '${name}'`, Exit.Findings)
        const value = newSecret('aw_')
        const t = state.addToken(newSecret().slice(0, 16), u.id, o.tokenName, digest(value))
        report(o, { user: name, id: t.id, token: value }, value)
        return Exit.Ok
      },
      (_n, o) => o,
    ),
  )

  dataDir(user.command('list').description('List users')).action(
    withState(
      async (state, o: Common) => {
        const users = state.listUsers()
        if (o.json) printJson({ users })
        else process.stdout.write(formatTable(['name', 'role', 'created'], users.map((u) => [u.name, u.role, u.created_at])))
        return Exit.Ok
      },
      (o) => o,
    ),
  )

  dataDir(user.command('del').description('Delete a user with their tokens and sessions').argument('<name>')).action(
    withState(
      async (state, name: string, o: Common) => {
        const u = state.userByName(name)
        if (!u) throw new CliError(`no user '${name}'`, Exit.Findings)
        if (u.role === 'admin' && state.listUsers().filter((x) => x.role === 'admin').length <= 1) throw new CliError('the last admin cannot be deleted')
        state.deleteUser(name)
        report(o, { deleted: name }, `deleted ${name}`)
        return Exit.Ok
      },
      (_n, o) => o,
    ),
  )
}
