import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { configSchema, effectivePublicHostname } from '../../src/config';
import { createSelfSignedServerCertificate } from '../../src/certs/first-start';
import { provisioningBaseUrlFromConfig } from '../../src/templates/template-view';

const REPO = path.resolve(__dirname, '..', '..');

describe('provisioning.publicHostname: the default the code uses is the one the docs state', () => {
  it('defaults to localhost on a wildcard listener, else to the listener address; an explicit value wins', () => {
    const url = (provisioning: Record<string, unknown>) => provisioningBaseUrlFromConfig(configSchema.parse({ provisioning }));
    expect(url({ host: '0.0.0.0' })).toBe('https://localhost:8443');
    expect(url({ host: '::', port: 9443 })).toBe('https://localhost:9443');
    expect(url({ host: '192.0.2.7' })).toBe('https://192.0.2.7:8443');
    expect(url({ host: '0.0.0.0', publicHostname: 'bridge.example.net' })).toBe('https://bridge.example.net:8443');
    expect(effectivePublicHostname({ host: '0.0.0.0' })).toBe('localhost');
  });

  it('the config table, the example file and the schema describe that default, not "this host name"', () => {
    const description = configSchema.shape.provisioning.unwrap().shape.publicHostname.description ?? '';
    expect(description).toContain('default: localhost when provisioning.host is 0.0.0.0 or ::, else provisioning.host');
    const readmeRow = fs
      .readFileSync(path.join(REPO, 'README.md'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('| `provisioning.publicHostname`'));
    expect(readmeRow).toContain('default: localhost when provisioning.host is 0.0.0.0 or ::');
    expect(readmeRow).not.toContain('(default: this host name)');
    const example = fs.readFileSync(path.join(REPO, 'config', 'imp-bridge.example.yaml'), 'utf8');
    expect(example).not.toContain("Defaults to this machine's host name");
    expect(example).toContain('Default: localhost when host is 0.0.0.0 or ::');
  });

  it('the self-signed certificate names this host name and localhost, as the README says', async () => {
    const { certPem } = await createSelfSignedServerCertificate({ dataDir: os.tmpdir(), keyType: 'rsa-2048', validDays: 1 });
    const sans = new X509Certificate(certPem).subjectAltName ?? '';
    expect(sans).toContain(`DNS:${os.hostname()}`);
    expect(sans).toContain('DNS:localhost');
    expect(sans).toContain('IP Address:127.0.0.1');
  });
});
