import type { Command } from 'commander';
import { normaliseFingerprintInput } from '../../certs/certificate-info';
import { printJson, printRecord, printRows } from '../output';
import { usageError } from '../usage';
import { cli, readInputFile, reportExpiring, type CertInfo } from './certificate-common';
import { withClient, type JsonFlag } from './cli-context';

/** PEM text is sent as is; anything else as base64 DER. */
function certificateBody(file: string, what: string): { pem: string } | { der: string } {
  const data = readInputFile(file, what);
  const text = data.toString('latin1');
  return text.includes('-----BEGIN') ? { pem: text } : { der: data.toString('base64') };
}

/** The manager matches a prefix of at least 8 hex digits; a shorter one is a usage mistake with the rule. */
function checkFingerprintInput(fingerprint: string): void {
  const digits = normaliseFingerprintInput(fingerprint);
  if (/[^0-9a-f:\s]/i.test(fingerprint) || digits.length < 8) {
    throw usageError(
      `fingerprint "${fingerprint}": give the SHA-256 fingerprint or a unique prefix of at least 8 hex digits (any case, colons optional); "imp-bridge trust list" shows them`,
    );
  }
}

export function registerTrustCommands(program: Command): void {
  const trust = program.command('trust').description('trust chain: the CA certificates whose client certificates may call the provisioning listener');
  registerTrustListCommand(trust);
  registerTrustAddCommand(trust);
  registerTrustRemoveCommand(trust);
  registerTrustDiffCommand(trust);
  registerCrlCommands(trust);
}

function registerTrustListCommand(trust: Command): void {
  trust
    .command('list')
    .description(
      'list trusted CAs and pinned leaves: subject, issuer, fingerprint, expiry, clusters using them (exit 4 when one expires within tls.expiryWarnDays)',
    )
    .option('--json', 'print JSON')
    .action((opts: JsonFlag) =>
      withClient(async (client) => {
        const { anchors } = await client.call<{ anchors: Array<CertInfo & { kind: string; usedBy: string[]; crl?: { revokedCount: number } }> }>(
          'GET',
          '/api/v1/trust',
        );
        if (opts.json) printJson(anchors);
        else
          printRows(
            anchors.map((a) => ({
              kind: a.kind,
              subject: a.subject,
              issuer: a.issuer,
              fingerprint: a.fingerprint,
              notAfter: a.notAfter.slice(0, 10),
              daysLeft: a.daysLeft,
              usedBy: a.usedBy.join(',') || '-',
              crl: a.crl ? `${a.crl.revokedCount} revoked` : '-',
            })),
            {},
          );
        reportExpiring(anchors, client.config.tls.expiryWarnDays);
      }),
    );
}

function registerTrustAddCommand(trust: Command): void {
  trust
    .command('add <file>')
    .description(
      'trust the CA certificate(s) in a PEM bundle or DER file; a combined chain file (e.g. CombinedCertChain.txt) becomes one anchor per certificate',
    )
    .option('--leaf', 'accept non-CA certificates as leaf pins (matched by fingerprint)')
    .option('--replace', 'make the trust bundle exactly this file: anchors not in it are removed (preview with trust diff)')
    .option('--json', 'print JSON')
    .action((file: string, opts: JsonFlag & { leaf?: boolean; replace?: boolean }) =>
      withClient(async (client) => {
        const result = await client.call<{ added: Array<CertInfo & { kind: string }>; removed: CertInfo[] }>('POST', cli('/api/v1/trust'), {
          ...certificateBody(file, 'certificate file'),
          leaf: opts.leaf,
          replace: opts.replace,
        });
        if (opts.json) return printJson(result);
        printRows(
          [
            ...result.added.map((a) => ({ change: 'added', kind: a.kind, subject: a.subject, fingerprint: a.fingerprint, notAfter: a.notAfter.slice(0, 10) })),
            ...result.removed.map((r) => ({ change: 'removed', kind: '', subject: r.subject, fingerprint: r.fingerprint, notAfter: r.notAfter.slice(0, 10) })),
          ],
          {},
        );
        process.stdout.write('new TLS handshakes use the new trust now; no restart needed\n');
      }),
    );
}

function registerTrustRemoveCommand(trust: Command): void {
  trust
    .command('remove <fingerprint>')
    .description('stop trusting a certificate (SHA-256 fingerprint, any case, colons optional, or a unique prefix of at least 8 digits)')
    .option('--json', 'print JSON')
    .action((fingerprint: string, opts: JsonFlag) =>
      withClient(async (client) => {
        checkFingerprintInput(fingerprint);
        const { removed } = await client.call<{ removed: CertInfo }>('DELETE', cli(`/api/v1/trust/${encodeURIComponent(fingerprint)}`));
        if (opts.json) return printJson(removed);
        process.stdout.write(`removed ${removed.subject} (${removed.fingerprint}); its clients are refused from their next handshake\n`);
      }),
    );
}

function registerTrustDiffCommand(trust: Command): void {
  trust
    .command('diff <file>')
    .description('preview: what importing this file as the whole trust bundle would add, remove and keep (changes nothing)')
    .option('--leaf', 'accept non-CA certificates as leaf pins')
    .option('--json', 'print JSON')
    .action((file: string, opts: JsonFlag & { leaf?: boolean }) =>
      withClient(async (client) => {
        const diff = await client.call<{ add: CertInfo[]; remove: CertInfo[]; keep: CertInfo[]; refused: Array<{ reason: string; fingerprint?: string }> }>(
          'POST',
          '/api/v1/trust/diff',
          { ...certificateBody(file, 'certificate file'), leaf: opts.leaf },
        );
        if (opts.json) return printJson(diff);
        const row = (change: string) => (c: CertInfo) => ({
          change,
          subject: c.subject,
          fingerprint: c.fingerprint,
          notAfter: c.notAfter.slice(0, 10),
          note: '',
        });
        printRows(
          [
            ...diff.add.map(row('add')),
            ...diff.remove.map(row('remove')),
            ...diff.keep.map(row('keep')),
            ...diff.refused.map((r) => ({ change: 'refused', subject: '', fingerprint: r.fingerprint ?? '', notAfter: '', note: r.reason })),
          ],
          {},
        );
      }),
    );
}

function registerCrlCommands(trust: Command): void {
  const crl = trust.command('crl').description('certificate revocation lists, optional and per CA');
  crl
    .command('add <file>')
    .description('load a CRL (PEM or DER) signed by a trusted CA; clients it revokes are refused from their next handshake')
    .option('--json', 'print JSON')
    .action((file: string, opts: JsonFlag) =>
      withClient(async (client) => {
        const data = readInputFile(file, 'CRL file');
        const text = data.toString('latin1');
        const body = text.includes('-----BEGIN X509 CRL-----') ? { pem: text } : { der: data.toString('base64') };
        const info = await client.call<Record<string, unknown>>('POST', cli('/api/v1/trust/crl'), body);
        printRecord(info, opts);
      }),
    );
  crl
    .command('list')
    .description('list loaded CRLs')
    .option('--json', 'print JSON')
    .action((opts: JsonFlag) =>
      withClient(async (client) => {
        const { crls } = await client.call<{ crls: Array<Record<string, unknown>> }>('GET', '/api/v1/trust/crl');
        printRows(crls, opts);
      }),
    );
}
