import { spawn } from 'node:child_process';
import path from 'node:path';
import { ensureDistFresh } from '../global-setup';

const BIN = path.resolve(__dirname, '../../bin/imp-bridge.js');

/** `imp-bridge --help | head -1`: the reader closes the pipe before the help is written. */
function runWithClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  // Closed before the child has started, so its first write meets a pipe with no reader.
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr })));
}

describe('the CLI on a closed standard output', () => {
  beforeAll(ensureDistFresh, 180_000);

  test('--help into a closed pipe exits 0 without a stack trace', async () => {
    const { code, stderr } = await runWithClosedStdout(['--help']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 30_000);
});
