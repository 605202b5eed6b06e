import fs from 'node:fs';
import path from 'node:path';
import { certPaths } from '../certs/cert-paths';
import { effectivePublicHostname } from '../config/public-hostname';
import { generateProvisioningPassword, hashPassword, type Template } from '../domain';
import { registerSecret } from '../observability';
import type { Runtime } from '../runtime';
import { DEMO_REQUEST_DOCUMENT, DEMO_REQUEST_FILE } from './demo-request-document';
import { FLOWTHROUGH_PATH } from './flowthrough-route';

export const DEMO_TEMPLATE_NAME = 'demo';
export const DEMO_CREDENTIALS_FILE = 'demo-template.json';

export interface DemoTemplate {
  /** Writes the credentials file with the listener's real URL and logs how to use it; returns the ready-to-paste command (first call only). */
  announce(baseUrl: string): string | undefined;
}

/**
 * First start with no template anywhere: a `demo` template so that a new user can send a
 * first request within a minute of `npm start`. The password is generated, stored as a
 * scrypt hash, written only to a 0600 file, and never printed or logged.
 */
export async function createDemoTemplateIfNone(rt: Runtime): Promise<DemoTemplate | undefined> {
  if (rt.config.templates.length > 0 || (await rt.store.templates.count()) > 0) return undefined;
  const password = generateProvisioningPassword();
  registerSecret(password);
  const template: Template = {
    name: DEMO_TEMPLATE_NAME,
    enabled: true,
    targetApi: 'broadworks',
    provisioningId: 'demo-provisioning-id',
    package: 'standard',
    trustedEmail: true,
    enterpriseMode: true,
    recordMode: false,
    account: { username: 'demo', passwordHash: await hashPassword(password) },
  };
  await rt.store.templates.put(template);
  await rt.store.audit.append({ actor: 'system', entityType: 'template', entityId: template.name, action: 'create', detail: 'demo template created at first start' });
  const file = path.resolve(rt.config.dataDir, DEMO_CREDENTIALS_FILE);
  const requestFile = path.resolve(rt.config.dataDir, DEMO_REQUEST_FILE);
  fs.mkdirSync(path.dirname(requestFile), { recursive: true });
  fs.writeFileSync(requestFile, DEMO_REQUEST_DOCUMENT);
  const write = (baseUrl: string) => {
    const url = `${baseUrl}${FLOWTHROUGH_PATH}/${template.name}`;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.tmp`, `${JSON.stringify({ url, username: template.account.username, password }, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);
    fs.chmodSync(file, 0o600);
    return url;
  };
  // Written once at wiring with the configured port, so the file exists even if nobody announces.
  write(`https://${effectivePublicHostname(rt.config.provisioning)}:${rt.config.provisioning.port}`);
  let announced = false;
  return {
    announce(baseUrl) {
      if (announced) return undefined;
      announced = true;
      const url = write(baseUrl);
      const certs = certPaths(rt.config.dataDir);
      const command = `npx imp-bridge send ${requestFile} --credentials ${file} --cert ${certs.devClientCert} --key ${certs.devClientKey} --ca ${certs.serverCert}`;
      // Warn, not info: the first thing a new user needs must survive logLevel warn.
      rt.logger.warn('no template configured: created the demo template', {
        event: 'template.demo.created',
        template: template.name,
        url,
        username: template.account.username,
        credentialsFile: file,
        requestFile,
        tryIt: command,
      });
      return command;
    },
  };
}
