/** Returns the target of `rel="next"` in a Link header, if any. */
export function nextLinkOf(link: string | string[] | undefined): string | undefined {
  const header = Array.isArray(link) ? link.join(',') : link;
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (match && /(^|;)\s*rel\s*=\s*"?([^";]*\s)?next(\s[^";]*)?"?\s*(;|$)/i.test(match[2])) return match[1];
  }
  return undefined;
}

/**
 * Webex next links have been seen to drop the original filters or carry `max=null`. The
 * original query is re-applied where the link lost it, and the link is re-based on our own
 * base URL so that the bearer token never follows a link to another host.
 */
export function repairNextLink(next: string, firstUrl: URL): URL {
  const parsed = new URL(next, firstUrl);
  const repaired = new URL(parsed.pathname + parsed.search, firstUrl.origin);
  const params = repaired.searchParams;
  for (const key of new Set(firstUrl.searchParams.keys())) {
    const current = params.getAll(key);
    if (current.length === 0 || current.every(isBrokenValue)) {
      params.delete(key);
      for (const value of firstUrl.searchParams.getAll(key)) params.append(key, value);
    }
  }
  for (const key of [...new Set(params.keys())]) {
    if (!firstUrl.searchParams.has(key) && params.getAll(key).every(isBrokenValue)) params.delete(key);
  }
  return repaired;
}

function isBrokenValue(value: string): boolean {
  return value === '' || value === 'null' || value === 'undefined';
}
