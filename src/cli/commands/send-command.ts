import type { Command } from 'commander';
import { Agent, request } from 'undici';
import { ImpbError } from '../../errors';
import { declaredEncoding } from '../../inbound/xml/declared-encoding';
import { EXIT } from '../exit-codes';
import { printJson } from '../output';
import { positiveInt } from '../usage';
import { explainSendError, loadClientTls, readFileOrFail } from './send-tls';

export interface SendOptions {
  /** The flow-through document, sent byte for byte. */
  file: string;
  url?: string;
  /** JSON file with {"url","username","password"} (the demo template writes one). */
  credentials?: string;
  user?: string;
  password?: string;
  /** Name of an environment variable holding the password (keeps it out of shell history). */
  passwordEnv?: string;
  cert?: string;
  key?: string;
  ca?: string;
  /** Injected for tests; otherwise an Agent presenting --cert/--key and trusting --ca. */
  dispatcher?: Agent;
  timeoutMs?: number;
  /** Extra request headers (the golden fixture tests pin X-Request-Id this way). */
  headers?: Record<string, string>;
}

export interface SendResult {
  status: number;
  contentType?: string;
  body: string;
  /** The answer byte for byte, for comparison with a stored response.xml. */
  bytes: Buffer;
  /** HTTP 200 and every command answered with SuccessResponse (or a status query's answer). */
  ok: boolean;
}

function resolveTarget(options: SendOptions): { url: string; username: string; password: string } {
  let fromFile: { url?: unknown; username?: unknown; password?: unknown } = {};
  if (options.credentials) {
    try {
      fromFile = JSON.parse(readFileOrFail(options.credentials, 'credentials file', '--credentials').toString('utf8')) as typeof fromFile;
    } catch (err) {
      if (err instanceof ImpbError) throw err;
      throw new ImpbError('IMPB_ERR_VALIDATION', { message: `credentials file ${options.credentials} is not JSON with url, username and password` });
    }
  }
  const envPassword = options.passwordEnv ? process.env[options.passwordEnv] : undefined;
  if (options.passwordEnv && envPassword === undefined)
    throw new ImpbError('IMPB_ERR_VALIDATION', { message: `environment variable ${options.passwordEnv} is not set` });
  const url = options.url ?? (typeof fromFile.url === 'string' ? fromFile.url : undefined);
  const username = options.user ?? (typeof fromFile.username === 'string' ? fromFile.username : undefined);
  const password = options.password ?? envPassword ?? (typeof fromFile.password === 'string' ? fromFile.password : undefined);
  const missing = [!url && '--url', !username && '--user', password === undefined && '--password (or --password-env, --credentials)'].filter(Boolean);
  if (missing.length) throw new ImpbError('IMPB_ERR_VALIDATION', { message: `missing ${missing.join(', ')}` });
  return { url: url!, username: username!, password: password! };
}

/** True when the answer holds command responses and none of them is an ErrorResponse. */
export function isSuccessDocument(body: string): boolean {
  const types = [...body.matchAll(/xsi:type="(?:[\w.-]+:)?(\w+)"/g)].map((m) => m[1]);
  return types.length > 0 && types.every((t) => t === 'SuccessResponse' || t === 'UserIntegratedIMPGetResponse');
}

/**
 * Sends a flow-through document exactly as an AS would: the bytes as given, Content-Type
 * text/xml with the document's declared charset, Basic authentication, mutual TLS.
 */
export async function sendFixture(options: SendOptions): Promise<SendResult> {
  const target = resolveTarget(options);
  const body = readFileOrFail(options.file, 'document', '<document>');
  const charset = declaredEncoding(body).encoding ?? 'UTF-8';
  let dispatcher = options.dispatcher;
  let own: Agent | undefined;
  if (!dispatcher) {
    own = new Agent({
      connect: loadClientTls(options),
      headersTimeout: options.timeoutMs ?? 30_000,
      bodyTimeout: options.timeoutMs ?? 30_000,
    });
    dispatcher = own;
  }
  try {
    const res = await request(target.url, {
      method: 'POST',
      dispatcher,
      body,
      headers: {
        ...options.headers,
        'content-type': `text/xml; charset=${charset}`,
        authorization: `Basic ${Buffer.from(`${target.username}:${target.password}`, 'utf8').toString('base64')}`,
      },
    }).catch((err: unknown) => {
      throw explainSendError(err, target.url, options) ?? err;
    });
    const bytes = Buffer.from(await res.body.arrayBuffer());
    const contentType = typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : undefined;
    const text = bytes.toString(/iso-8859-1/i.test(contentType ?? '') ? 'latin1' : 'utf8');
    return { status: res.statusCode, contentType, body: text, bytes, ok: res.statusCode === 200 && isSuccessDocument(text) };
  } finally {
    await own?.close();
  }
}

export function registerSendCommand(program: Command): void {
  program
    .command('send')
    .description('send a flow-through document to a provisioning URL exactly as a BroadWorks AS would (exit 0 when every command succeeded)')
    .argument('<document>', 'XML file to send (e.g. <dataDir>/demo-request.xml, written with the demo template)')
    .option('--url <url>', 'provisioning URL, https://host:port/provisioning/v1/<template>')
    .option('--credentials <file>', 'JSON file with url, username and password (e.g. <dataDir>/demo-template.json)')
    .option('--user <name>', 'provisioning account user name')
    .option('--password <password>', 'provisioning account password (prefer --password-env or --credentials)')
    .option('--password-env <variable>', 'read the password from this environment variable')
    .option('--cert <file>', 'client certificate (PEM) presented to the mTLS listener')
    .option('--key <file>', 'private key of the client certificate (PEM)')
    .option('--ca <file>', 'CA or server certificate (PEM) to trust for the listener')
    .option('--timeout <ms>', 'give up after this many milliseconds', positiveInt, 30_000)
    .option('--json', 'print JSON: {status, contentType, ok, body}')
    .action(async (document: string, opts: Omit<SendOptions, 'file'> & { timeout: number; json?: boolean }) => {
      const { json, timeout, ...rest } = opts;
      const result = await sendFixture({ ...rest, file: document, timeoutMs: timeout });
      if (json) printJson({ status: result.status, contentType: result.contentType, ok: result.ok, body: result.body });
      else
        process.stdout.write(
          `HTTP ${result.status}${result.contentType ? ` (${result.contentType})` : ''}\n${result.body}${result.body.endsWith('\n') ? '' : '\n'}`,
        );
      if (!result.ok) process.exitCode = EXIT.FAILED;
    });
}
