/** Log lines in any envelope → normalized Events (see normalizer.ts). */
export { Normalizer, parseLines, type NormalizerOptions, type NormalizerStats, type ParseError, type ParseResult } from './normalizer.js'
