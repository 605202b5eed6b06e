import fs from 'node:fs';
import { Command, Option } from 'commander';
import { parseSubjectAltName } from '../../certs/subject-alt-name';
import { KEY_TYPES } from '../../config/schema';
import { ImpbError } from '../../errors';
import { createAdminClient, type AdminClient } from '../admin-client';
import { EXIT } from '../exit-codes';
import { normaliseFingerprintInput } from '../../certs/certificate-info';
import { printJson, printRecord, printRows, printWarnings } from '../output';
import { usageError } from '../usage';

interface JsonFlag {
  json?: boolean;
}

/** Marks calls as coming from the CLI, for the audit trail (the API records 'admin-api' otherwise). */
const cli = (path: string) => `${path}${path.includes('?') ? '&' : '?'}actor=cli`;

async function withClient<T>(fn: (client: AdminClient) => Promise<T>): Promise<T> {
  const client = createAdminClient();
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

function readInputFile(file: string, what: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new ImpbError('IMPB_ERR_VALIDATION', {
      message: `cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
      cause: err,
    });
  }
}

/** PEM text is sent as is; anything else as base64 DER. */
function certificateBody(file: string, what: string): { pem: string } | { der: string } {
  const data = readInputFile(file, what);
  const text = data.toString('latin1');
  return text.includes('-----BEGIN') ? { pem: text } : { der: data.toString('base64') };
}

interface CertInfo {
  subject: string;
  issuer: string;
  fingerprint: string;
  notAfter: string;
  daysLeft: number;
  [key: string]: unknown;
}

/** Exit 4 when a certificate expires within tls.expiryWarnDays, saying which on stderr (stdout stays the listing). */
function reportExpiring(items: CertInfo[], warnDays: number): void {
  const soon = items.filter((i) => i.daysLeft <= warnDays);
  if (!soon.length) return;
  printWarnings(
    soon.map(
      (i) =>
        `${i.subject} (${short(i.fingerprint)}) ${i.daysLeft < 0 ? `expired ${-i.daysLeft} days ago` : `expires in ${i.daysLeft} days`}, within tls.expiryWarnDays (${warnDays}): exit code 4`,
    ),
  );
  process.exitCode = EXIT.FINDINGS;
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

const short = (fp: string) => `${fp.slice(0, 16)}…`;

function registerTrustCommands(program: Command): void {
  const trust = program.command('trust').description('trust chain: the CA certificates whose client certificates may call the provisioning listener');

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

  registerCrlCommands(trust);
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

function registerCertCommands(program: Command): void {
  const cert = program.command('cert').description('server certificate of the provisioning listener');

  cert
    .command('show')
    .description(
      'show the active server certificate, its chain, the pending key and the kept previous certificate (exit 4 when it expires within tls.expiryWarnDays)',
    )
    .option('--json', 'print JSON')
    .action((opts: JsonFlag) =>
      withClient(async (client) => {
        const view = await client.call<CertInfo & { chain: CertInfo[]; subjectAltNames: string[]; pending?: unknown; previous?: { fingerprint: string } }>(
          'GET',
          '/api/v1/certificate',
        );
        if (opts.json) printJson(view);
        else
          printRecord(
            {
              ...view,
              subjectAltNames: view.subjectAltNames.join(', '),
              chain: view.chain.map((c) => `${c.subject} (until ${c.notAfter.slice(0, 10)}, ${short(c.fingerprint)})`).join(' → ') || '(none)',
              previous: view.previous ? view.previous.fingerprint : '(none)',
              pending: view.pending ?? '(none)',
            },
            {},
          );
        reportExpiring([view, ...view.chain], client.config.tls.expiryWarnDays);
      }),
    );

  cert
    .command('csr')
    .description('create a new key pair (kept pending, mode 0600) and print a PKCS#10 CSR for it')
    .requiredOption('--cn <host>', 'common name: the host name the AS uses in its provisioningUrl')
    .option(
      '--san <names...>',
      'subject alternative names: DNS names or IP addresses, bare or as DNS:name, IP:address, email:address, URI:uri; the CN is always included',
      [],
    )
    .addOption(
      new Option(
        '--key-type <type>',
        `key type (${KEY_TYPES.join(', ')}; ec-p256 is refused: certificates are signed with node-forge, which signs RSA only)`,
      ).default('rsa-2048'),
    )
    .option('--out <file>', 'write the CSR to this file instead of stdout')
    .option('--json', 'print JSON')
    .action((opts: JsonFlag & { cn: string; san: string[]; keyType: string; out?: string }) => {
      // Checked here too: a bad name is a usage mistake (exit 2) before anything is sent.
      for (const name of opts.san) parseSubjectAltName(name);
      return withClient(async (client) => {
        const result = await client.call<{ csrPem: string; commonName: string; subjectAltNames: string[]; keyType: string; warnings?: string[] }>(
          'POST',
          cli('/api/v1/certificate/csr'),
          {
            commonName: opts.cn,
            subjectAltNames: opts.san,
            keyType: opts.keyType,
          },
        );
        printWarnings(result.warnings);
        if (opts.out) {
          fs.writeFileSync(opts.out, result.csrPem, { mode: 0o644 });
          if (opts.json) printJson({ ...result, csrPem: undefined, out: opts.out });
          else
            process.stderr.write(
              `CSR for ${result.subjectAltNames.join(', ')} (${result.keyType}) written to ${opts.out}; the key stays on the proxy, pending\n`,
            );
          return;
        }
        if (opts.json) printJson(result);
        else process.stdout.write(result.csrPem);
      });
    });

  registerInstallCommands(cert);
}

interface InstallCheckAnswer {
  ok: boolean;
  checks: Array<{ check: string; ok: boolean; detail: string; warning?: boolean }>;
}

/** The list the console shows before its Install confirmation; a failed check is exit 1, as the install would fail. */
function printInstallChecks(answer: InstallCheckAnswer, opts: JsonFlag): void {
  if (opts.json) printJson(answer);
  else {
    printRows(
      answer.checks.map((c) => ({ check: c.check, result: c.ok ? (c.warning ? 'warning' : 'ok') : 'FAILED', detail: c.detail })),
      {},
    );
    process.stdout.write(
      answer.ok
        ? 'every check passed; nothing installed (run again without --check to install)\n'
        : 'a check failed: cert install would refuse this certificate; nothing installed\n',
    );
  }
  if (!answer.ok) process.exitCode = EXIT.FAILED;
}

function registerInstallCommands(cert: Command): void {
  cert
    .command('install <cert>')
    .description(
      'install a signed certificate for the pending (or current) key after checking key, validity, host names and chain; new handshakes use it at once',
    )
    .option('--chain <file>', 'intermediate CA certificates (PEM)')
    .option('--check', 'dry run: print every check the install runs (key, validity, host names, chain, expiry) and install nothing; exit 1 when one fails')
    .addOption(new Option('--dry-run', 'same as --check').hideHelp())
    .option('--json', 'print JSON')
    .action((file: string, opts: JsonFlag & { chain?: string; check?: boolean; dryRun?: boolean }) =>
      withClient(async (client) => {
        const certPem = readInputFile(file, 'certificate file').toString('latin1');
        const chainPem = opts.chain ? readInputFile(opts.chain, 'chain file').toString('latin1') : undefined;
        if (opts.check || opts.dryRun)
          return printInstallChecks(
            await client.call<InstallCheckAnswer>('POST', cli('/api/v1/certificate/install'), { certPem, chainPem, dryRun: true }),
            opts,
          );
        const result = await client.call<{ certificate: CertInfo; previousFingerprint: string; usedKey: string; warnings: string[] }>(
          'POST',
          cli('/api/v1/certificate/install'),
          { certPem, chainPem },
        );
        if (opts.json) return printJson(result);
        printWarnings(result.warnings);
        printRecord(
          {
            installed: result.certificate.subject,
            fingerprint: result.certificate.fingerprint,
            notAfter: result.certificate.notAfter,
            key: result.usedKey,
            previous: result.previousFingerprint,
          },
          {},
        );
      }),
    );

  for (const [name, path, description] of [
    ['rollback', '/api/v1/certificate/rollback', 'go back to the certificate and key active before the last install or renewal'],
    ['renew-self-signed', '/api/v1/certificate/renew-self-signed', 'replace the server certificate with a new self-signed one (new key)'],
  ] as const) {
    cert
      .command(name)
      .description(description)
      .option('--json', 'print JSON')
      .action((opts: JsonFlag) =>
        withClient(async (client) => {
          const result = await client.call<{ certificate: CertInfo; previousFingerprint: string }>('POST', cli(path));
          if (opts.json) return printJson(result);
          printRecord(
            {
              active: result.certificate.subject,
              fingerprint: result.certificate.fingerprint,
              notAfter: result.certificate.notAfter,
              previous: result.previousFingerprint,
            },
            {},
          );
        }),
      );
  }
}

export function registerCertificateCommands(program: Command): void {
  registerTrustCommands(program);
  registerCertCommands(program);
}
