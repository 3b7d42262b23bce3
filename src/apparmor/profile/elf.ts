/**
 * Just enough ELF to learn what a program loads: its interpreter (PT_INTERP) and the libraries it
 * needs (DT_NEEDED). 32/64-bit, either byte order; anything malformed yields an error, never a throw.
 */

export interface ElfInfo {
  readonly interpreter?: string
  readonly needed: readonly string[]
}

const PT_LOAD = 1
const PT_DYNAMIC = 2
const PT_INTERP = 3
const DT_NEEDED = 1
const DT_STRTAB = 5

export function isElf(buf: Buffer): boolean {
  return buf.length >= 16 && buf.readUInt32BE(0) === 0x7f454c46
}

export function readElf(buf: Buffer): ElfInfo | { error: string } {
  try {
    return parse(buf)
  } catch (err) {
    return { error: `malformed ELF: ${(err as Error).message}` }
  }
}

function parse(buf: Buffer): ElfInfo | { error: string } {
  if (!isElf(buf)) return { error: 'not an ELF file' }
  const is64 = buf[4] === 2
  const le = buf[5] === 1
  const u16 = (o: number) => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o))
  const u32 = (o: number) => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o))
  const word = (o: number) => (is64 ? Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)) : u32(o))
  const phoff = word(is64 ? 0x20 : 0x1c)
  const phentsize = u16(is64 ? 0x36 : 0x2a)
  const phnum = u16(is64 ? 0x38 : 0x2c)
  const segs: { type: number; offset: number; vaddr: number; filesz: number }[] = []
  for (let i = 0; i < phnum; i++) {
    const o = phoff + i * phentsize
    segs.push(
      is64
        ? { type: u32(o), offset: word(o + 8), vaddr: word(o + 16), filesz: word(o + 32) }
        : { type: u32(o), offset: u32(o + 4), vaddr: u32(o + 8), filesz: u32(o + 16) },
    )
  }
  const cstr = (o: number) => {
    const end = buf.indexOf(0, o)
    return buf.toString('utf8', o, end < 0 ? buf.length : end)
  }
  const interp = segs.find((s) => s.type === PT_INTERP)
  const dyn = segs.find((s) => s.type === PT_DYNAMIC)
  const needed: number[] = []
  let strtab: number | undefined
  if (dyn) {
    const size = is64 ? 16 : 8
    for (let o = dyn.offset; o + size <= dyn.offset + dyn.filesz; o += size) {
      const tag = word(o)
      const val = word(o + (is64 ? 8 : 4))
      if (tag === 0) break
      if (tag === DT_NEEDED) needed.push(val)
      if (tag === DT_STRTAB) strtab = val
    }
  }
  // DT_STRTAB is a virtual address: map it to a file offset through the PT_LOAD segments.
  const load = strtab === undefined ? undefined : segs.find((s) => s.type === PT_LOAD && strtab! >= s.vaddr && strtab! < s.vaddr + s.filesz)
  const strOff = load && strtab !== undefined ? strtab - load.vaddr + load.offset : undefined
  return {
    ...(interp ? { interpreter: cstr(interp.offset) } : {}),
    needed: strOff === undefined ? [] : needed.map((n) => cstr(strOff + n)),
  }
}
