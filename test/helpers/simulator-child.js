// The Webex simulator in a process of its own (Webex is remote: its CPU is not the bridge's),
// driven over IPC by test/helpers/simulator-process.ts. Options: JSON in argv[2].
'use strict';
const { startWebexSimulator } = require('../../dist/webex/simulator');

async function main() {
  const options = JSON.parse(process.argv[2] || '{}');
  const sim = await startWebexSimulator({ host: '127.0.0.1', port: 0, ...options });
  process.on('message', (message) => {
    const { id, type } = message;
    let body;
    if (type === 'log') body = sim.requestLog;
    else if (type === 'stats') body = sim.stats();
    else if (type === 'state')
      body = {
        broadworksSubscribers: [...sim.state.broadworksSubscribers.values()],
        customers: [...sim.state.customers.values()],
        wholesaleSubscribers: [...sim.state.wholesaleSubscribers.values()],
      };
    process.send({ id, body });
  });
  process.send({ ready: true, baseUrl: sim.baseUrl });
}

main().catch((err) => {
  process.stderr.write(String(err && err.stack) + '\n');
  process.exit(1);
});
