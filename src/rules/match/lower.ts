/**
 * OS_Match and OS_Regex are case-insensitive, and decoders and rules try hundreds of expressions
 * on the same line: lower-case the last input once instead of per expression.
 */
let lastInput = ''
let lastLower = ''

export function lowerOf(input: string): string {
  if (input !== lastInput) {
    lastInput = input
    lastLower = input.toLowerCase()
  }
  return lastLower
}
