import { executeCli } from '../../src/cli/main';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs `imp-bridge <args>` in-process through the same entry as bin/imp-bridge.js, capturing output and the exit code. */
export async function runCliCaptured(...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  process.exitCode = undefined;
  try {
    const failed = await executeCli(['node', 'imp-bridge', ...args]);
    return { code: failed ?? Number(process.exitCode ?? 0), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
}
