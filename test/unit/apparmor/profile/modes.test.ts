import { test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkFile, newProfile, readElf, setMode, setModeInText } from '../../../../src/apparmor/profile/index.js'

test('mode edits only the flags of the profile headers', () => {
  const complain = setModeInText('# c\nprofile a /usr/bin/a {\n  /x r,\n}\n', 'complain')
  assert.equal(complain.text, '# c\nprofile a /usr/bin/a flags=(complain) {\n  /x r,\n}\n')
  assert.equal(setModeInText(complain.text, 'enforce').text, '# c\nprofile a /usr/bin/a {\n  /x r,\n}\n')
  assert.equal(setModeInText('/usr/bin/a flags=(complain, attach_disconnected) {\n}\n', 'enforce').text, '/usr/bin/a flags=(attach_disconnected) {\n}\n')
  assert.equal(setModeInText('/usr/bin/a (kill) {\n}\n', 'complain').text, '/usr/bin/a flags=(complain) {\n}\n')
  assert.equal(setModeInText('profile a {\n}\n', 'audit').text, 'profile a flags=(audit) {\n}\n')
  assert.equal(setModeInText('profile a flags=(audit) {\n}\n', 'audit', true).text, 'profile a {\n}\n')
  assert.match(setModeInText('profile a {\n  /x r\n}\n', 'enforce').error ?? '', /missing ','/)
})

test('disable links the file into disable/, enforce removes the link', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aw-mode-'))
  try {
    const file = join(dir, 'usr.bin.a')
    writeFileSync(file, '/usr/bin/a flags=(complain) {\n}\n')
    assert.equal(setMode(file, dir, 'disable').changed, true)
    assert.ok(lstatSync(join(dir, 'disable', 'usr.bin.a')).isSymbolicLink())
    const r = setMode(file, dir, 'enforce')
    assert.deepEqual([r.changed, r.reload, r.profiles], [true, 'replace', ['/usr/bin/a']])
    assert.equal(lstatSync(join(dir, 'disable', 'usr.bin.a'), { throwIfNoEntry: false }), undefined)
    assert.equal(readFileSync(file, 'utf8'), '/usr/bin/a {\n}\n')
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('new: ELF programs get mr and their libraries; scripts their interpreter and its abstraction', () => {
  const elf = readElf(readFileSync(process.execPath))
  assert.ok(!('error' in elf) && elf.needed.length > 0 && elf.interpreter?.includes('ld-linux'))
  assert.ok('error' in readElf(Buffer.from('#!/bin/sh\n')))
  const dir = mkdtempSync(join(tmpdir(), 'aw-new-'))
  try {
    const node = newProfile(process.execPath)
    assert.ok(!('error' in node))
    assert.match(node.content, /flags=\(complain\)/)
    assert.ok(node.libraries.length > 0, 'nothing is covered when no base abstraction is consulted')
    const script = join(dir, 'tool')
    writeFileSync(script, '#!/bin/sh\necho hi\n')
    chmodSync(script, 0o755)
    const sh = newProfile(script)
    assert.ok(!('error' in sh))
    assert.match(sh.content, /include <abstractions\/bash>/)
    assert.match(sh.content, new RegExp(`${sh.interpreter} ix,`))
    assert.match(sh.content, new RegExp(`${script} r,`))
    const f = join(dir, 'profile')
    writeFileSync(f, sh.content)
    assert.equal(checkFile(f).ok, true)
    assert.deepEqual(newProfile(join(dir, 'missing')), { error: `${join(dir, 'missing')}: not found or not executable` })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
