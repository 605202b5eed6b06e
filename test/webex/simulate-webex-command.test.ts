import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { Command } from 'commander';
import { registerSimulateWebexCommand } from '../../src/cli/commands/simulate-webex-command';
import type { SimulatorFaults } from '../../src/webex/simulator';

const BIN = path.resolve(__dirname, '../../bin/imp-bridge.js');

function parse(args: string[]) {
  const program = new Command('imp-bridge').exitOverride();
  registerSimulateWebexCommand(program);
  program.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => undefined }));
  return program.parseAsync(['node', 'imp-bridge', 'simulate-webex', ...args]);
}

describe('imp-bridge simulate-webex', () => {
  it('is registered with its flags, start-up faults included', () => {
    const program = new Command('imp-bridge');
    registerSimulateWebexCommand(program);
    const cmd = program.commands.find((c) => c.name() === 'simulate-webex');
    expect(cmd).toBeDefined();
    const flags = cmd!.options.map((o) => o.long);
    expect(flags).toEqual(
      expect.arrayContaining([
        '--port',
        '--token',
        '--delay',
        '--host',
        '--rate-limit',
        '--retry-after',
        '--broken-next-links',
        '--latency-ms',
        '--fail-next',
        '--drop-connections',
        '--untrusted-email',
      ]),
    );
    expect(cmd!.helpInformation()).toContain('simulate-webex');
  });

  it('--help lists every run-time fault, refuseTokens included', async () => {
    // Typed as a record of every key: a new fault does not compile here until it is listed.
    const faults: Record<keyof SimulatorFaults, true> = {
      rateLimitPerSecond: true,
      retryAfter: true,
      failNext: true,
      latencyMs: true,
      dropNextConnections: true,
      stallNextBodies: true,
      refuseTokens: true,
      brokenNextLinks: true,
    };
    let help = '';
    const program = new Command('imp-bridge').exitOverride();
    registerSimulateWebexCommand(program);
    program.commands.forEach((c) => c.exitOverride().configureOutput({ writeOut: (text) => void (help += text), writeErr: () => undefined }));
    await expect(program.parseAsync(['node', 'imp-bridge', 'simulate-webex', '--help'])).rejects.toMatchObject({ code: 'commander.helpDisplayed' });
    for (const key of Object.keys(faults)) expect({ key, listed: help.includes(`"${key}"`) }).toEqual({ key, listed: true });
    expect(help).toMatch(/"refuseTokens":true answers every API request 401/);
  });

  it('refuses a port that is not a number and a malformed --fail-next (usage errors)', async () => {
    await expect(parse(['--port', 'abc'])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    await expect(parse(['--fail-next', '503'])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
    await expect(parse(['--drop-connections', '-1'])).rejects.toMatchObject({ code: 'commander.invalidArgument' });
  });

  describe('as a process (dist/, built by `npm run build`)', () => {
    let child: ChildProcessWithoutNullStreams | undefined;
    afterEach(async () => {
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child!.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      child = undefined;
    });

    /** Starts the CLI and resolves with the base URL of its "listening" line. */
    async function startCli(args: string[]): Promise<{ baseUrl: string; exited: Promise<number | null> }> {
      child = spawn(process.execPath, [BIN, 'simulate-webex', '--port', '0', '--host', '127.0.0.1', ...args], {
        env: { PATH: process.env.PATH },
        stdio: 'pipe',
      });
      const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
      let out = '';
      const baseUrl = await new Promise<string>((resolve, reject) => {
        child!.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /listening: (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(out);
          if (match) resolve(match[1]!);
        });
        void exited.then((code) => reject(new Error(`simulate-webex exited (${code}) before listening: ${out}`)));
      });
      return { baseUrl, exited };
    }

    it('listens on a free loopback port, wants its token, and stops on SIGTERM', async () => {
      const { baseUrl, exited } = await startCli(['--token', 't']);
      expect((await fetch(`${baseUrl}/broadworks/subscribers`)).status).toBe(401);
      expect((await fetch(`${baseUrl}/broadworks/subscribers`, { headers: { authorization: 'Bearer t' } })).status).toBe(200);
      child!.kill('SIGTERM');
      expect(await exited).toBe(0);
    });

    it('starts with the faults named on the command line', async () => {
      const { baseUrl } = await startCli(['--token', 't', '--fail-next', '503:2:GET', '--drop-connections', '1', '--latency-ms', '5']);
      const auth = { authorization: 'Bearer t' };
      const faults = (await (await fetch(`${baseUrl.replace(/\/v1$/, '')}/_simulator/faults`, { headers: auth })).json()) as Record<string, unknown>;
      expect(faults).toEqual({ failNext: { status: 503, count: 2, method: 'GET' }, dropNextConnections: 1, latencyMs: 5 });
      await expect(fetch(`${baseUrl}/broadworks/subscribers`, { headers: auth })).rejects.toThrow();
      expect((await fetch(`${baseUrl}/broadworks/subscribers`, { headers: auth })).status).toBe(503);
      expect((await fetch(`${baseUrl}/broadworks/subscribers`, { headers: auth })).status).toBe(503);
      expect((await fetch(`${baseUrl}/broadworks/subscribers`, { headers: auth })).status).toBe(200);
    });
  });
});
