import { isIP } from 'node:net';
import { ImpbError } from '../errors';

/** One subjectAltName entry of a CSR, typed as X.509 types it (GeneralName). */
export type SubjectAltName = { type: 'dns'; value: string } | { type: 'ip'; value: string } | { type: 'email'; value: string } | { type: 'uri'; value: string };

const MAX_NAME_LENGTH = 253;
const DNS_NAME = /^(\*\.)?[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;
// OpenSSL's spellings (`openssl req -addext subjectAltName=DNS:a,IP:b`), which operators type.
const PREFIXES: Record<string, SubjectAltName['type']> = { dns: 'dns', ip: 'ip', 'ip address': 'ip', email: 'email', uri: 'uri' };

function refuse(input: string, why: string): ImpbError {
  return new ImpbError('IMPB_ERR_VALIDATION', {
    message: `subject alternative name "${input.slice(0, 80)}": ${why}. Give a DNS name or IP address, optionally prefixed DNS:, IP:, email: or URI: (e.g. DNS:bridge.example.net, IP:192.0.2.10)`,
  });
}

function prefixOf(input: string): { type?: SubjectAltName['type']; rest: string; prefix?: string } {
  const match = /^([A-Za-z][A-Za-z ]{0,15}):(.*)$/s.exec(input);
  // "::1" or "2001:db8::1" have no letter prefix; "fe80::1" has hex letters but is an IP as a whole.
  if (!match || isIP(input.replace(/^\[|\]$/g, ''))) return { rest: input };
  const type = PREFIXES[match[1].toLowerCase()];
  return { type, rest: match[2], prefix: match[1] };
}

/** Parses `DNS:x`, `IP:x`, `email:x`, `URI:x` (prefix in any case) or a bare DNS name / IP address. Throws IMPB_ERR_VALIDATION. */
export function parseSubjectAltName(raw: string): SubjectAltName {
  const input = String(raw).trim();
  if (!input) throw refuse(raw, 'empty');
  if (input.length > MAX_NAME_LENGTH + 16) throw refuse(input, `longer than ${MAX_NAME_LENGTH} characters`);
  const { type, rest, prefix } = prefixOf(input);
  if (prefix !== undefined && !type) throw refuse(input, `unknown prefix "${prefix}:"`);
  const value = rest.trim();
  if (!value) throw refuse(input, 'no name after the prefix');
  switch (type) {
    case 'ip': {
      const bare = value.replace(/^\[|\]$/g, '');
      if (!isIP(bare)) throw refuse(input, `${value} is not an IPv4 or IPv6 address`);
      return { type: 'ip', value: bare };
    }
    case 'email':
      if (!/^[^\s@]+@[^\s@]+$/.test(value)) throw refuse(input, `${value} is not an e-mail address`);
      return { type: 'email', value };
    case 'uri':
      if (!URL.canParse(value)) throw refuse(input, `${value} is not a URI`);
      return { type: 'uri', value };
    default: {
      const bare = value.replace(/^\[|\]$/g, '');
      if (isIP(bare)) return { type: 'ip', value: bare };
      if (type === 'dns' || !prefix) {
        if (value.length > MAX_NAME_LENGTH || !DNS_NAME.test(value)) throw refuse(input, `${value} is not a DNS name`);
        return { type: 'dns', value: value.toLowerCase() };
      }
      throw refuse(input, 'not understood');
    }
  }
}

/**
 * How a parsed name is written in the pending key's metadata and shown: DNS names and IP
 * addresses bare (what a certificate must cover), the others with their OpenSSL prefix.
 */
export function formatSubjectAltName(name: SubjectAltName): string {
  if (name.type === 'email') return `email:${name.value}`;
  if (name.type === 'uri') return `URI:${name.value}`;
  return name.value;
}

/** Parses every name; names the first bad one. */
export function parseSubjectAltNames(raw: readonly string[]): SubjectAltName[] {
  return raw.map(parseSubjectAltName);
}
