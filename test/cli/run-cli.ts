import { exitCodeFor } from '../../src/cli/exit-codes';
import { buildProgram } from '../../src/cli/main';

export interface CliResult {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI in-process, as `imp-bridge <args>`, capturing output and the exit code. */
export async function runCli(...args: string[]): Promise<CliResult> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  process.exitCode = undefined;
  let code = 0;
  try {
    const program = buildProgram();
    program.exitOverride();
    await program.parseAsync(['node', 'imp-bridge', ...args]);
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    err += (error as Error).message;
    code = (error as { exitCode?: number }).exitCode !== undefined ? 2 : exitCodeFor(error);
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.exitCode = undefined;
  }
  return { code, out, err };
}
