const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX32 = /^[0-9a-f]{32}$/i;

/**
 * Cisco TAC asks for org IDs in the 32-hex-digit hyphenated form, while the Webex APIs hand out
 * base64 ids of `ciscospark://us/ORGANIZATION/<uuid>`. Returns the UUID form, or undefined when
 * the value is neither.
 */
export function toUuidForm(id: string | undefined): string | undefined {
  if (!id) return undefined;
  const value = id.trim();
  if (UUID.test(value)) return value.toLowerCase();
  if (HEX32.test(value)) return value.toLowerCase().replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  let decoded: string;
  try {
    decoded = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
  } catch {
    return undefined;
  }
  const match = /^ciscospark:\/\/[a-z0-9-]+\/[A-Z_]+\/([0-9a-f-]{36})$/i.exec(decoded);
  return match && UUID.test(match[1]) ? match[1].toLowerCase() : undefined;
}

/** The Webex API form of an org UUID (what the Wholesale and BroadWorks APIs return). */
export function toWebexOrgId(uuid: string, region = 'us'): string {
  return Buffer.from(`ciscospark://${region}/ORGANIZATION/${uuid}`).toString('base64').replace(/=+$/, '');
}

/** Webex access tokens end in `_<cluster>_<orgUuid>`: the org that issued them (the partner's). */
export function orgIdFromAccessToken(token: string | undefined): string | undefined {
  const match = token ? /_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i.exec(token) : null;
  return match ? match[1].toLowerCase() : undefined;
}
