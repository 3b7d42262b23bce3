/**
 * MITRE ATT&CK lookup: technique id → technique name and tactic names, from the Enterprise matrix
 * shipped in rules/mitre/enterprise-attack.json (its `source` field carries the attribution).
 */
import { readFileSync } from 'node:fs'

export interface MitreInfo {
  readonly id: string[]
  readonly tactic: string[]
  readonly technique: string[]
}

interface MitreFile {
  tactics: Record<string, { id: string; name: string }>
  techniques: { id: string; name: string; tactics: string[] }[]
}

export class Mitre {
  private readonly techniques = new Map<string, { name: string; tactics: string[] }>()

  constructor(file: string) {
    const data = JSON.parse(readFileSync(file, 'utf8')) as MitreFile
    for (const t of data.techniques) {
      const tactics = t.tactics.map((k) => data.tactics[k]?.name ?? k)
      this.techniques.set(t.id, { name: t.name, tactics })
    }
  }

  has(id: string): boolean {
    return this.techniques.has(id)
  }

  /** Resolves ids in order; tactics are listed once each, as Wazuh does. */
  resolve(ids: readonly string[]): MitreInfo {
    const tactic: string[] = []
    const technique: string[] = []
    for (const id of ids) {
      const t = this.techniques.get(id)
      if (t === undefined) continue
      technique.push(t.name)
      for (const name of t.tactics) if (!tactic.includes(name)) tactic.push(name)
    }
    return { id: [...ids], tactic, technique }
  }
}
