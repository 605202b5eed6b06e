import fs from 'node:fs';
import type { Command } from 'commander';
import { ImpbError } from '../../errors';
import { choiceOption } from './cli-context';

/** The relay/shadow flags of `template add|edit`. */
export interface ModeFlags {
  mode?: string;
  upstreamUrl?: string;
  upstreamAuth?: string;
  upstreamUser?: string;
  upstreamPasswordEnv?: string;
  upstreamCa?: string;
  upstreamCert?: string;
  upstreamKey?: string;
  onFailure?: string;
  forwardedFor?: boolean;
  upstreamTimeoutMs?: string;
}

export function modeOptions(cmd: Command): Command {
  return cmd
    .addOption(
      choiceOption('--mode <mode>', 'provision: imp-bridge drives Webex; relay: forward to the upstream; shadow: forward and check the dialect', [
        'provision',
        'relay',
        'shadow',
      ]),
    )
    .option('--upstream-url <url>', 'the existing provisioning URL relay/shadow forwards to (https://; http:// only to loopback)')
    .addOption(
      choiceOption('--upstream-auth <auth>', "passthrough: forward the AS's Authorization; basic: the upstream user and password below", [
        'passthrough',
        'basic',
      ]),
    )
    .option('--upstream-user <name>', 'upstream user name (with --upstream-auth basic)')
    .option('--upstream-password-env <var>', 'environment variable holding the upstream password (with --upstream-auth basic)')
    .option('--upstream-ca <file>', 'PEM file of the CAs that verify the upstream (default: the system CAs)')
    .option('--upstream-cert <file>', 'PEM client certificate presented to the upstream')
    .option('--upstream-key <file>', 'its PEM private key')
    .option('--upstream-timeout-ms <ms>', "time allowed for the upstream's answer")
    .addOption(
      choiceOption('--on-failure <mode>', 'when the upstream fails: passthrough (the AS sees it) or queue (store and forward)', ['passthrough', 'queue']),
    )
    .option('--forwarded-for', 'add X-Forwarded-For with the AS address')
    .option('--no-forwarded-for', 'do not add X-Forwarded-For');
}

function readPem(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ImpbError('IMPB_ERR_VALIDATION', {
      message: `${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      details: { usage: true },
    });
  }
}

/** The body keys for the flags given; files are read here, so the proxy gets PEM text wherever it runs. */
export function modeBody(o: ModeFlags, given: (name: string) => boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (o.mode !== undefined) body.mode = o.mode;
  const upstream: Record<string, unknown> = {};
  if (o.upstreamUrl !== undefined) upstream.url = o.upstreamUrl;
  if (o.upstreamAuth !== undefined) upstream.auth = o.upstreamAuth;
  if (o.upstreamUser !== undefined) upstream.username = o.upstreamUser;
  if (o.upstreamPasswordEnv !== undefined) {
    const value = process.env[o.upstreamPasswordEnv];
    if (value === undefined)
      throw new ImpbError('IMPB_ERR_VALIDATION', {
        message: `--upstream-password-env: environment variable ${o.upstreamPasswordEnv} is not set`,
        details: { usage: true },
      });
    upstream.password = value;
  }
  if (o.upstreamCa !== undefined) upstream.ca = readPem(o.upstreamCa, '--upstream-ca');
  if (o.upstreamCert !== undefined) upstream.clientCert = readPem(o.upstreamCert, '--upstream-cert');
  if (o.upstreamKey !== undefined) upstream.clientKey = readPem(o.upstreamKey, '--upstream-key');
  if (o.upstreamTimeoutMs !== undefined) {
    if (!/^[0-9]+$/.test(o.upstreamTimeoutMs))
      throw new ImpbError('IMPB_ERR_VALIDATION', {
        message: `--upstream-timeout-ms: expected a whole number of milliseconds, got "${o.upstreamTimeoutMs}"`,
        details: { usage: true },
      });
    upstream.timeoutMs = Number(o.upstreamTimeoutMs);
  }
  if (o.onFailure !== undefined) upstream.onFailure = o.onFailure;
  if (given('forwardedFor')) upstream.forwardedFor = o.forwardedFor;
  if (Object.keys(upstream).length) body.upstream = upstream;
  return body;
}
