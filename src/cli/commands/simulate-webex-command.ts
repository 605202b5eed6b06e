import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { createLogger } from '../../observability';
import { startWebexSimulator, type SimulatorFaults } from '../../webex/simulator';
import { usageError } from '../usage';

interface SimulateOptions {
  host: string;
  port: number;
  token?: string;
  delay: number;
  customerDelay?: number;
  rateLimit?: number;
  retryAfter?: string;
  brokenNextLinks?: boolean;
  latencyMs?: number;
  failNext?: SimulatorFaults['failNext'];
  dropConnections?: number;
  untrustedEmail?: string[];
  oauthClient?: string;
  json?: boolean;
}

function wholeNumber(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${name} must be a whole number`);
    return Number(value);
  };
}

/** `--fail-next 503:3` or `--fail-next 429:1:POST` (status:count[:method]). */
function failNextSpec(value: string): NonNullable<SimulatorFaults['failNext']> {
  const match = /^([1-5]\d\d):([1-9]\d*)(?::(GET|POST|PUT|DELETE))?$/i.exec(value);
  if (!match) throw new InvalidArgumentError('--fail-next expects status:count[:method], e.g. 503:3 or 429:1:POST');
  return { status: Number(match[1]), count: Number(match[2]), ...(match[3] ? { method: match[3].toUpperCase() } : {}) };
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `imp-bridge simulate-webex`: the built-in Webex simulator as a standalone process. */
export function registerSimulateWebexCommand(program: Command): void {
  program
    .command('simulate-webex')
    .description('run the built-in Webex simulator (BroadWorks and Wholesale provisioning APIs) on loopback HTTP')
    .option('--host <address>', 'listen address', '127.0.0.1')
    .option('--port <port>', 'listen port (0: any free port)', wholeNumber('--port'), 0)
    .option('--token <token>', 'bearer token the simulator accepts (generated and printed when absent)')
    .option('--delay <ms>', 'time until a subscriber is provisioned', wholeNumber('--delay'), 2000)
    .option('--customer-delay <ms>', 'time until a Wholesale customer is provisioned (default: --delay)', wholeNumber('--customer-delay'))
    .option('--rate-limit <n>', 'answer 429 above n requests per second', wholeNumber('--rate-limit'))
    .option('--retry-after <value>', 'raw Retry-After value sent with 429 (e.g. 1, 0, "rand(30),add(30)")')
    .option('--broken-next-links', 'emit next links that drop the filters and carry max=null')
    .option('--latency-ms <ms>', 'delay before every answer', wholeNumber('--latency-ms'))
    .option('--fail-next <status:count[:method]>', 'answer the next count API requests (of that method) with status, e.g. 503:3', failNextSpec)
    .option('--drop-connections <n>', 'destroy the connection of the next n API requests without an answer', wholeNumber('--drop-connections'))
    .option('--untrusted-email <provisioningId>', 'a BroadWorks provisioningId whose template does not trust emails (repeatable)', collect)
    .option('--oauth-client <id:secret:refreshToken>', 'enable POST /v1/access_token for this OAuth client')
    .option('--json', 'print {"baseUrl","token"} as one JSON line once listening')
    .addHelpText(
      'after',
      `
Run-time control (bearer = the simulator token):
  POST /_simulator/faults        {"rateLimitPerSecond":5,"retryAfter":"1","failNext":{"status":503,"count":3},
                                  "latencyMs":200,"dropNextConnections":1,"stallNextBodies":1,"brokenNextLinks":true,
                                  "refuseTokens":true}  (null clears; "retryAfter":"" sends no Retry-After;
                                  "refuseTokens":true answers every API request 401 whatever its token, as a token
                                  revoked in Partner Hub; set it to null to accept tokens again)
  GET  /_simulator/stats
  POST /_simulator/revoke-tokens`,
    )
    .action(async (opts: SimulateOptions) => {
      const logger = createLogger({ level: 'info' });
      const token = opts.token ?? randomBytes(24).toString('base64url');
      const faults: Partial<SimulatorFaults> = {};
      if (opts.rateLimit !== undefined) faults.rateLimitPerSecond = opts.rateLimit;
      if (opts.retryAfter !== undefined) faults.retryAfter = opts.retryAfter;
      if (opts.brokenNextLinks) faults.brokenNextLinks = true;
      if (opts.latencyMs) faults.latencyMs = opts.latencyMs;
      if (opts.failNext) faults.failNext = opts.failNext;
      if (opts.dropConnections) faults.dropNextConnections = opts.dropConnections;
      let oauth;
      if (opts.oauthClient) {
        const [clientId, clientSecret, refreshToken] = opts.oauthClient.split(':');
        if (!clientId || !clientSecret || !refreshToken) throw usageError('--oauth-client expects id:secret:refreshToken');
        oauth = { clientId, clientSecret, refreshToken };
      }
      const sim = await startWebexSimulator({
        host: opts.host,
        port: opts.port,
        token,
        provisioningDelayMs: opts.delay,
        customerProvisioningDelayMs: opts.customerDelay,
        faults,
        oauth,
        untrustedEmailProvisioningIds: opts.untrustedEmail,
        logger,
      });
      if (opts.json) process.stdout.write(`${JSON.stringify({ baseUrl: sim.baseUrl, ...(opts.token ? {} : { token }) })}\n`);
      else {
        process.stdout.write(`Webex simulator listening: ${sim.baseUrl}\n`);
        if (!opts.token) process.stdout.write(`token: ${token}\n`);
        process.stdout.write(`point imp-bridge at it: IMP_BRIDGE_WEBEX_BASE_URL=${sim.baseUrl} IMP_BRIDGE_WEBEX_TOKEN=<token>\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await sim.close();
    });
}
