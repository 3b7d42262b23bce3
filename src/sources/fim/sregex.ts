/**
 * Wazuh's OS_Match ("sregex") for `<ignore type="sregex">`, `<nodiff type="sregex">` and
 * `restrict`: literal alternatives separated by `|`, each optionally anchored with `^` and/or `$`,
 * matched case-insensitively; a leading `!` negates the whole pattern. No other metacharacters, so
 * a plain substring search per alternative is linear-time and needs no regex engine.
 */
export type Matcher = (text: string) => boolean

export function compileSregex(pattern: string): Matcher {
  const negate = pattern.startsWith('!')
  const alts = (negate ? pattern.slice(1) : pattern).split('|').map((alt) => {
    const start = alt.startsWith('^')
    const end = alt.endsWith('$') && alt.length > (start ? 1 : 0)
    const lit = alt.slice(start ? 1 : 0, end ? -1 : undefined).toLowerCase()
    return (t: string): boolean =>
      start && end ? t === lit : start ? t.startsWith(lit) : end ? t.endsWith(lit) : t.includes(lit)
  })
  return (text) => {
    const t = text.toLowerCase()
    return alts.some((m) => m(t)) !== negate
  }
}
