/**
 * What FIM records about one file: its attributes from lstat and its hashes from a single read.
 * Regular files and symbolic links are recorded (a link's "content" is its target: disabling a
 * profile is a symlink in /etc/apparmor.d/disable/).
 */
import { createHash } from 'node:crypto'
import { lstat, open, readFile, readlink } from 'node:fs/promises'
import * as fsc from 'node:fs'
import type { Stats } from 'node:fs'

export type EntryType = 'file' | 'symlink'

export interface FileEntry {
  path: string
  type: EntryType
  size: number
  /** Permission bits as `ls` prints them (`rw-r--r--`), as Wazuh's perm_* on Linux. */
  perm: string
  uid: number
  gid: number
  uname: string
  gname: string
  inode: number
  dev: number
  /** Modification time in whole seconds since the epoch. */
  mtime: number
  md5: string
  sha1: string
  sha256: string
}

/** What changed between two entries, in Wazuh's `changed_attributes` names and order. */
export type Attribute = 'size' | 'permission' | 'uid' | 'gid' | 'user_name' | 'group_name' | 'inode' | 'mtime' | 'md5' | 'sha1' | 'sha256' | 'type'

export function permString(mode: number): string {
  const rwx = (bits: number, special: boolean, ch: string): string =>
    (bits & 4 ? 'r' : '-') + (bits & 2 ? 'w' : '-') + (bits & 1 ? (special ? ch : 'x') : special ? ch.toUpperCase() : '-')
  return rwx((mode >> 6) & 7, (mode & 0o4000) !== 0, 's') + rwx((mode >> 3) & 7, (mode & 0o2000) !== 0, 's') + rwx(mode & 7, (mode & 0o1000) !== 0, 't')
}

/** uid/gid → name from the root's /etc/passwd and /etc/group, loaded once per scan. */
export class IdNames {
  #users = new Map<number, string>()
  #groups = new Map<number, string>()

  static async load(root = '/'): Promise<IdNames> {
    const n = new IdNames()
    const read = async (file: string, into: Map<number, string>): Promise<void> => {
      const text = await readFile(`${root.replace(/\/$/, '')}/etc/${file}`, 'utf8').catch(() => '')
      for (const line of text.split('\n')) {
        const f = line.split(':')
        if (f.length >= 3 && /^\d+$/.test(f[2] as string)) into.set(Number(f[2]), f[0] as string)
      }
    }
    await Promise.all([read('passwd', n.#users), read('group', n.#groups)])
    return n
  }

  user(uid: number): string {
    return this.#users.get(uid) ?? ''
  }

  group(gid: number): string {
    return this.#groups.get(gid) ?? ''
  }
}

const EMPTY_HASHES = { md5: '', sha1: '', sha256: '' }

/** Hashes by streaming through one file handle, so memory stays flat for large files. */
async function hashFile(path: string): Promise<{ md5: string; sha1: string; sha256: string; content?: Buffer }> {
  const fh = await open(path, 'r')
  try {
    const md5 = createHash('md5')
    const sha1 = createHash('sha1')
    const sha256 = createHash('sha256')
    const buf = Buffer.allocUnsafe(256 * 1024)
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null)
      if (bytesRead === 0) break
      const chunk = buf.subarray(0, bytesRead)
      md5.update(chunk)
      sha1.update(chunk)
      sha256.update(chunk)
    }
    return { md5: md5.digest('hex'), sha1: sha1.digest('hex'), sha256: sha256.digest('hex') }
  } finally {
    await fh.close()
  }
}

function hashBuffer(b: Buffer): { md5: string; sha1: string; sha256: string } {
  return {
    md5: createHash('md5').update(b).digest('hex'),
    sha1: createHash('sha1').update(b).digest('hex'),
    sha256: createHash('sha256').update(b).digest('hex'),
  }
}

export interface ReadEntryOptions {
  names: IdNames
  /** No hashes above this size (Wazuh file_max_size). */
  maxHashBytes: number
  /** Keep the content (for report_changes) when the file is at most this large. */
  keepContentBytes?: number
}

/** Files up to this size are read whole in one go; larger ones are hashed in a streaming loop. */
const SMALL_FILE = 256 * 1024

/**
 * Reads a file whose size lstat just gave: open, one read, close through the callback API. This
 * skips readFile's fstat and FileHandle bookkeeping, which dominated a scan's CPU time (about a third
 * of it on /usr/share). A file that grew since lstat is read on to its end.
 */
function readKnownSize(path: string, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    fsc.open(path, 'r', (err, fd) => {
      if (err) return reject(err)
      const finish = (e: Error | null, data?: Buffer): void => fsc.close(fd, () => (e ? reject(e) : resolve(data as Buffer)))
      const buf = Buffer.allocUnsafe(size + 1)
      fsc.read(fd, buf, 0, buf.length, 0, (e, n) => {
        if (e) return finish(e)
        if (n <= size) return finish(null, buf.subarray(0, n))
        // It grew: read the rest the slow way.
        readFile(path).then((all) => finish(null, all), finish)
      })
    })
  })
}

/**
 * Reads an entry; undefined when the path is gone or is neither a file nor a link (a device, a
 * socket, a directory). `st` may be passed when the caller already has it.
 */
export async function readEntry(path: string, o: ReadEntryOptions, st?: Stats): Promise<{ entry: FileEntry; content?: Buffer } | undefined> {
  try {
    st ??= await lstat(path)
    let type: EntryType
    let hashes = EMPTY_HASHES
    let content: Buffer | undefined
    if (st.isSymbolicLink()) {
      type = 'symlink'
      content = Buffer.from(await readlink(path))
      hashes = hashBuffer(content)
    } else if (st.isFile()) {
      type = 'file'
      const keep = o.keepContentBytes !== undefined && st.size <= o.keepContentBytes
      if (st.size > o.maxHashBytes) {
        // too large to hash: attributes only
      } else if (keep || st.size <= SMALL_FILE) {
        const data = await readKnownSize(path, st.size)
        hashes = hashBuffer(data)
        if (keep) content = data
      } else hashes = await hashFile(path)
    } else return undefined
    const entry: FileEntry = {
      path,
      type,
      size: st.size,
      perm: permString(st.mode),
      uid: st.uid,
      gid: st.gid,
      uname: o.names.user(st.uid),
      gname: o.names.group(st.gid),
      inode: st.ino,
      dev: st.dev,
      mtime: Math.floor(st.mtimeMs / 1000),
      ...hashes,
    }
    return content ? { entry, content } : { entry }
  } catch {
    return undefined // vanished between listing and reading: the caller sees a deletion
  }
}
