// The product as its own process (`node <root>/dist/main.js`) for the large-body benches, and a
// sender in a process of its own (as an AS is: the encryption of a 10 MB body is not counted
// against the bench process). Used by large-bodies.js and large-document-healthz.js.
'use strict';
/* global setTimeout, clearTimeout, Buffer */
const { execFile, spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const REPO = path.join(__dirname, '../..');
const PASSWORD = 'Bench-Provisioning-1';
const AUTHORIZATION = `Basic ${Buffer.from(`bench-as:${PASSWORD}`).toString('base64')}`;

/**
 * Writes `dir`/imp-bridge.yaml (10 MB bodies, template `bench`) and spawns `root`'s dist/main.js
 * with `nodeArgs`; resolves once both listeners are up, with their ports and the paths of the
 * certificates the product wrote at its first start.
 */
function startProduct({ root = REPO, dir, nodeArgs = [] }) {
  const config = path.join(dir, 'imp-bridge.yaml');
  fs.writeFileSync(
    config,
    [
      `dataDir: ${JSON.stringify(path.join(dir, 'data'))}`,
      'provisioning: { host: 127.0.0.1, port: 0, bodyLimitBytes: 10485760, requestTimeoutMs: 120000 }',
      'admin: { host: 127.0.0.1, port: 0 }',
      // The default, written out: the listener lines this reads are logged at info.
      'logLevel: info',
      'templates:',
      `  - { name: bench, provisioningId: bench-id, package: standard, account: { username: bench-as, password: ${PASSWORD} } }`,
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, 'dist/main.js')], {
    env: { PATH: process.env.PATH, IMP_BRIDGE_CONFIG: config },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`product did not start: ${out.slice(-2000)}`)), 60_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const lines = out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l));
      const prov = lines.find((l) => l.event === 'listener.provisioning.up');
      const admin = lines.find((l) => l.event === 'listener.admin.up');
      if (prov && admin) {
        clearTimeout(timer);
        out = '';
        child.stdout.removeAllListeners('data');
        child.stdout.resume();
        resolve({ root, dir, child, provisioningPort: prov.port, adminUrl: admin.url, certs: path.join(dir, 'data', 'certs') });
      }
    });
    child.once('exit', (code) => reject(new Error(`product exited ${code}: ${out.slice(-2000)}`)));
  });
}

/** SIGTERM, wait for the exit, remove the product's directory. */
async function stopProduct(product) {
  product.child.kill('SIGTERM');
  await new Promise((r) => product.child.once('exit', r));
  fs.rmSync(product.dir, { recursive: true, force: true });
}

const provisioningUrl = (product) => `https://localhost:${product.provisioningPort}/provisioning/v1/bench`;

/** The files an AS connects with: the product's server certificate as trust anchor, its dev client certificate and key. */
const clientTlsFiles = (product) => ({
  ca: path.join(product.certs, 'server.crt'),
  cert: path.join(product.certs, 'dev-client', 'client.crt'),
  key: path.join(product.certs, 'dev-client', 'client.key'),
});

const SENDER = `
const fs = require('node:fs');
const { Agent, request } = require('undici');
const [url, file, ca, cert, key, authorization] = process.argv.slice(1);
const dispatcher = new Agent({ connect: { ca: fs.readFileSync(ca), cert: fs.readFileSync(cert), key: fs.readFileSync(key) } });
request(url, { method: 'POST', body: fs.readFileSync(file), dispatcher, headers: { 'content-type': 'text/xml; charset=UTF-8', authorization } })
  .then(async (res) => { process.stdout.write(JSON.stringify({ status: res.statusCode, text: await res.body.text() })); await dispatcher.close(); });
`;

/** POSTs `file` to the product from a sender process of its own; resolves with { status, text }. */
function sendFromOwnProcess(product, file) {
  const tls = clientTlsFiles(product);
  const args = ['-e', SENDER, provisioningUrl(product), file, tls.ca, tls.cert, tls.key, AUTHORIZATION];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { cwd: REPO, maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout)))),
  );
}

module.exports = { AUTHORIZATION, clientTlsFiles, provisioningUrl, sendFromOwnProcess, startProduct, stopProduct };
