import fs from 'node:fs';
import path from 'node:path';
import { certPaths } from '../certs/cert-paths';
import { effectivePublicHostname } from '../config/public-hostname';
import type { Config } from '../config/schema';
import type { Store } from '../store';
import { generateProvisioningPassword, hashPassword, type Template } from '../domain';
import { registerSecret, type Logger } from '../observability';
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
export async function createDemoTemplateIfNone(deps: { config: Config; store: Store; logger: Logger }): Promise<DemoTemplate | undefined> {
  if (deps.config.templates.length > 0 || (await deps.store.templates.count()) > 0) return undefined;
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
  await deps.store.templates.put(template);
  await deps.store.audit.append({
    actor: 'system',
    entityType: 'template',
    entityId: template.name,
    action: 'create',
    detail: 'demo template created at first start',
  });
  const file = path.resolve(deps.config.dataDir, DEMO_CREDENTIALS_FILE);
  const requestFile = path.resolve(deps.config.dataDir, DEMO_REQUEST_FILE);
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
  write(`https://${effectivePublicHostname(deps.config.provisioning)}:${deps.config.provisioning.port}`);
  let announced = false;
  return {
    announce(baseUrl) {
      if (announced) return undefined;
      announced = true;
      const url = write(baseUrl);
      const certs = certPaths(deps.config.dataDir);
      const command = `npx imp-bridge send ${requestFile} --credentials ${file} --cert ${certs.devClientCert} --key ${certs.devClientKey} --ca ${certs.serverCert}`;
      // Warn, not info: the first thing a new user needs must survive logLevel warn.
      deps.logger.warn('no template configured: created the demo template', {
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
