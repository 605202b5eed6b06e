import fs from 'node:fs';
import path from 'node:path';
import { toUuidForm, orgIdFromAccessToken } from '../../src/operations/webex-ids';
import { configSchema } from '../../src/config';
import { BROADWORKS_PACKAGES, WHOLESALE_CUSTOMER_PACKAGES, WHOLESALE_SUBSCRIBER_PACKAGES } from '../../src/domain';
import { createSilentLogger } from '../../src/observability';
import { createSqliteStore } from '../../src/store';
import { seedFromConfig } from '../../src/templates/seed-from-config';
import { makeTempDir } from '../helpers/temp-dir';

const SPECS = path.resolve(__dirname, '../../../shared/specs/webex');
const haveSpecs = fs.existsSync(path.join(SPECS, 'webex-wholesale.json'));

(haveSpecs ? describe : describe.skip)('package lists match the official Webex specs', () => {
  const schemas = (file: string) =>
    (JSON.parse(fs.readFileSync(path.join(SPECS, file), 'utf8')) as { components: { schemas: Record<string, { enum?: string[] }> } }).components.schemas;
  it('wholesale subscriber and customer packages', () => {
    const s = schemas('webex-wholesale.json');
    expect([...WHOLESALE_SUBSCRIBER_PACKAGES].sort()).toEqual([...s.WholesalePackagesSubscriber!.enum!].sort());
    expect([...WHOLESALE_CUSTOMER_PACKAGES].sort()).toEqual([...s.WholesalePackagesCustomer!.enum!].sort());
  });
  it('broadworks subscriber packages', () => {
    const text = fs.readFileSync(path.join(SPECS, 'webex-broadworks.json'), 'utf8');
    for (const p of BROADWORKS_PACKAGES) expect(text).toContain(`"${p}"`);
  });
});

describe('seeding from the config file', () => {
  const template = (extra: Record<string, unknown> = {}) => ({
    name: 'seeded',
    provisioningId: 'p',
    package: 'basic',
    account: { username: 'u', password: 'Passw0rd-1' },
    ...extra,
  });

  it('upserts, keeps store-only templates, and refuses a package the target does not know', async () => {
    const temp = makeTempDir();
    const store = createSqliteStore({ dataDir: temp.dir });
    try {
      const logger = createSilentLogger();
      await store.templates.put({
        ...configSchema.parse({ templates: [template({ name: 'store-only' })] }).templates[0]!,
        account: { username: 'x', passwordHash: 'scrypt$x' },
      });
      await seedFromConfig(configSchema.parse({ dataDir: temp.dir, templates: [template()] }), store, logger);
      const first = await store.templates.get('seeded');
      await seedFromConfig(configSchema.parse({ dataDir: temp.dir, templates: [template({ package: 'premium' })] }), store, logger);
      const second = await store.templates.get('seeded');
      expect(second!.package).toBe('premium');
      expect(second!.account.passwordHash).toBe(first!.account.passwordHash);
      expect(await store.templates.get('store-only')).toBeDefined();
      await expect(seedFromConfig(configSchema.parse({ dataDir: temp.dir, templates: [template({ package: 'gold' })] }), store, logger)).rejects.toMatchObject({
        code: 'IMPB_ERR_CONFIG_INVALID',
        message: expect.stringContaining('allowed: softphone, basic, standard, premium'),
      });
    } finally {
      await store.close();
      temp.cleanup();
    }
  });
});

describe('Webex ids for support data', () => {
  it('decodes base64 org ids into the 32-hex-digit hyphenated form', () => {
    const uuid = '1eb65fdf-9643-417f-9974-ad72cae0e10f';
    expect(toUuidForm(Buffer.from(`ciscospark://us/ORGANIZATION/${uuid}`).toString('base64'))).toBe(uuid);
    expect(toUuidForm(Buffer.from(`ciscospark://us/ORGANIZATION/${uuid}`).toString('base64url'))).toBe(uuid);
    expect(toUuidForm(uuid.toUpperCase())).toBe(uuid);
    expect(toUuidForm(uuid.replace(/-/g, ''))).toBe(uuid);
    expect(toUuidForm('not-an-id')).toBeUndefined();
    expect(orgIdFromAccessToken(`abc_PF84_${uuid}`)).toBe(uuid);
  });
});
