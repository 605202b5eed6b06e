// `imp-bridge simulate-webex` as a child process (Webex is remote: its CPU is not the bridge's);
// stats through its control endpoint. Used by drain.js and drain-instances.js.
'use strict';
const path = require('node:path');
const { spawn } = require('node:child_process');
const { request } = require('undici');
const { URL } = require('node:url');

/** Answers 429 above `rateLimit` calls in any sliding second; subscribers are provisioned after `delayMs`. */
async function startSimulatorProcess(token, rateLimit, delayMs = 5) {
  const bin = path.resolve(__dirname, '../bin/imp-bridge.js');
  const child = spawn(
    process.execPath,
    [bin, 'simulate-webex', '--port', '0', '--token', token, '--delay', String(delayMs), '--rate-limit', String(rateLimit), '--retry-after', '1'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const baseUrl = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = /listening: (\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`simulator exited ${code} before listening: ${out}`)));
  });
  const control = new URL('/_simulator/stats', baseUrl);
  return {
    baseUrl,
    token,
    pid: child.pid,
    async stats() {
      const res = await request(control, { headers: { authorization: `Bearer ${token}` } });
      return res.body.json();
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

module.exports = { startSimulatorProcess };
