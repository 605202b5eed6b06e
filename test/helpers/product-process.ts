import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** The compiled product (`node dist/main.js`), as an operator runs it. */
const MAIN = path.resolve(__dirname, '../../dist/main.js');

export interface ProductProcess {
  child: ChildProcess;
  /** The mTLS provisioning port. */
  port: number;
  adminPort: number;
  /** Resolves with the exit code or signal once the process is gone. */
  exited: Promise<string>;
  /** The last log lines (for a failure message). */
  tail(): string;
  kill(signal?: NodeJS.Signals): Promise<string>;
}

/** Starts the product on `configFile` (plus `env`) and resolves once both listeners are up. */
export function startProduct(configFile: string, env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ProductProcess> {
  const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env, IMP_BRIDGE_CONFIG: configFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > 2000) lines.shift();
  };
  const exited = new Promise<string>((resolve) => child.once('exit', (code, signal) => resolve(String(code ?? signal))));
  const tail = () => lines.join('\n');
  return new Promise((resolve, reject) => {
    let buffer = '';
    let port: number | undefined;
    let adminPort: number | undefined;
    let started = false;
    const timer = setTimeout(() => reject(new Error(`product did not start within ${timeoutMs} ms:\n${tail()}`)), timeoutMs);
    child.stderr!.on('data', (d: Buffer) => String(d).split('\n').filter(Boolean).forEach(keep));
    child.stdout!.on('data', (d: Buffer) => {
      buffer += String(d);
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        keep(line);
        if (line.includes('listener.provisioning.up')) port = (JSON.parse(line) as { port: number }).port;
        if (line.includes('listener.admin.up')) adminPort = Number(new URL((JSON.parse(line) as { url: string }).url).port);
        if (!started && port !== undefined && adminPort !== undefined) {
          started = true;
          clearTimeout(timer);
          const kill = async (signal: NodeJS.Signals = 'SIGTERM') => {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          };
          resolve({ child, port, adminPort, exited, tail, kill });
        }
      }
    });
    void exited.then((how) => {
      clearTimeout(timer);
      reject(new Error(`product exited (${how}) before its listeners were up:\n${tail()}`));
    });
  });
}
