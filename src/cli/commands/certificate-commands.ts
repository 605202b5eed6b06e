import fs from 'node:fs';
import { Command, Option } from 'commander';
import { parseSubjectAltName } from '../../certs/subject-alt-name';
import { KEY_TYPES } from '../../config/schema';
import { EXIT } from '../exit-codes';
import { printJson, printRecord, printRows, printWarnings } from '../output';
import { cli, readInputFile, reportExpiring, short, type CertInfo } from './certificate-common';
import { withClient, type JsonFlag } from './cli-context';
import { registerTrustCommands } from './trust-commands';

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
