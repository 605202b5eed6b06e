import type { Command } from 'commander';
import { printJson, printRows } from '../output';
import { withClient, withJson, type JsonFlag } from './cli-context';

interface InstanceRow {
  id: string;
  version: string;
  hostname: string;
  startedAt: string;
  lastHeartbeat: string;
  leader: boolean;
  self: boolean;
}

/** `imp-bridge instances`: the live instances of the deployment (one, on SQLite), from any of them. */
export function registerInstanceCommands(program: Command): void {
  withJson(program.command('instances').description('the live instances of the deployment: version, host, start, last heartbeat, which one leads')).action(
    async (o: JsonFlag) => {
      const { instances } = await withClient((c) => c.call<{ instances: InstanceRow[] }>('GET', '/api/v1/instances'));
      if (o.json) {
        printJson(instances);
        return;
      }
      printRows(
        instances.map((i) => ({ ...i, leader: i.leader ? 'yes' : '', self: i.self ? 'yes' : '' })),
        o,
        ['id', 'version', 'hostname', 'startedAt', 'lastHeartbeat', 'leader', 'self'],
      );
    },
  );
}
