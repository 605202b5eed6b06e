import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { SimulatorRequestLogEntry, SimulatorStats, WebexSimulatorOptions } from '../../src/webex/simulator';

export interface SimulatorProcess {
  baseUrl: string;
  token: string;
  requestLog(): Promise<SimulatorRequestLogEntry[]>;
  stats(): Promise<SimulatorStats>;
  state(): Promise<{
    broadworksSubscribers: Array<Record<string, unknown>>;
    customers: Array<Record<string, unknown>>;
    wholesaleSubscribers: Array<Record<string, unknown>>;
  }>;
  close(): Promise<void>;
}

/** The simulator in its own process (compiled, from dist/), asked over IPC what it saw. */
export async function startSimulatorProcess(options: Partial<WebexSimulatorOptions> & { token: string }): Promise<SimulatorProcess> {
  const child: ChildProcess = fork(path.join(__dirname, 'simulator-child.js'), [JSON.stringify(options)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const pending = new Map<number, (body: unknown) => void>();
  let nextId = 1;
  const baseUrl = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`simulator exited (${code}) before listening`)));
    child.on('message', (message: { ready?: boolean; baseUrl?: string; id?: number; body?: unknown }) => {
      if (message.ready) resolve(message.baseUrl!);
      else pending.get(message.id!)?.(message.body);
    });
  });
  const ask = <T>(type: string): Promise<T> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, (body) => {
        pending.delete(id);
        resolve(body as T);
      });
      child.send({ id, type });
    });
  return {
    baseUrl,
    token: options.token,
    requestLog: () => ask('log'),
    stats: () => ask('stats'),
    state: () => ask('state'),
    async close() {
      if (child.exitCode !== null) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await gone;
    },
  };
}
