import os from 'node:os';
import type { AuthThrottle } from '../../inbound/auth/auth-throttle';
import { route, type ApiRoute } from '../api-route';
import type { ConsoleSessionStore } from '../console-session';

/** One live instance of the deployment, as the admin API, the CLI and the console show it. */
export interface InstanceView {
  id: string;
  version: string;
  hostname: string;
  /** The process id, when the id carries it (ids are `<host>-<pid>-<random>`). */
  pid?: number;
  startedAt: string;
  lastHeartbeat: string;
  /** Runs the scheduled work (expiry checks, self-signed renewal, retention). */
  leader: boolean;
  /** The instance that answered. */
  self: boolean;
}

/** What the admin part takes from a deployment of several instances (src/wire-deployment.ts); absent, it is this process alone. */
export interface DeploymentAdminDeps {
  instances(): Promise<InstanceView[]>;
  sessions?: ConsoleSessionStore;
  shareThrottle?(throttle: AuthThrottle, scope: string): void;
}

export function pidOf(id: string): number | undefined {
  const m = /-(\d+)-[0-9a-f]+$/.exec(id);
  return m ? Number(m[1]) : undefined;
}

/** This process alone (SQLite): always the leader, heard from now. */
export function singleInstance(version: string): DeploymentAdminDeps {
  const startedAt = new Date(Date.now() - Math.round(process.uptime() * 1000)).toISOString();
  return {
    instances: () =>
      Promise.resolve([
        {
          id: `${os.hostname()}-${process.pid}`,
          version,
          hostname: os.hostname(),
          pid: process.pid,
          startedAt,
          lastHeartbeat: new Date().toISOString(),
          leader: true,
          self: true,
        },
      ]),
  };
}

export function instanceRoutes(deployment: DeploymentAdminDeps): ApiRoute[] {
  return [
    route({
      method: 'get',
      path: '/instances',
      tag: 'overview',
      summary: 'the live instances of the deployment: id, version, host, start, last heartbeat, which one leads the scheduled work',
      handler: async () => ({ instances: await deployment.instances() }),
    }),
  ];
}
