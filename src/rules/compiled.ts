/**
 * Wazuh's `<compiled_rule>` hooks (src/analysisd/compiled_rules/generic_samples.c) used by the
 * stock ruleset: C functions run as a rule condition. We implement the two the 4.x rules use.
 */
import type { LogEvent } from './log-event.js'

// Address prefixes of the search engine crawlers Wazuh recognises (Google, MSN/Bing, Yahoo...).
const CRAWLER_PREFIXES = ['66.249.', '72.14.', '209.85.238.', '207.46.', '65.55.', '65.54.', '74.6.', '8.12.', '66.196.', '66.142.', '67.195.', '202.160.', '202.46.']

export const COMPILED_RULES: Readonly<Record<string, (ev: LogEvent) => boolean>> = {
  /** The request comes from a well-known crawler (the log starts with its address). */
  is_valid_crawler: (ev) => CRAWLER_PREFIXES.some((p) => ev.log.startsWith(p)),
  /** The URL is `/` or carries no query string. */
  is_simple_http_request: (ev) => {
    const url = ev.statics.url
    return url !== undefined && (url === '/' || !url.includes('?'))
  },
}
