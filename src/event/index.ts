/** The normalized Event and its mappings. */
export * from './event.js'
