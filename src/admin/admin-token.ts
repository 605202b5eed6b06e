import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isLoopbackHost, type Config } from '../config/schema';
import { ImpbError } from '../errors';

export function adminTokenPath(dataDir: string): string {
  return path.join(dataDir, 'admin-token');
}

/** As config admin.token demands. */
const MIN_TOKEN_LENGTH = 16;

/**
 * The admin bearer token: the configured one, else the one generated at first start into
 * `<dataDir>/admin-token` (0600). A non-loopback admin listener requires a configured token.
 */
export function ensureAdminToken(config: Config): string {
  if (config.admin.token) return config.admin.token;
  if (!isLoopbackHost(config.admin.host)) {
    throw new ImpbError('IMPB_ERR_CONFIG_INVALID', {
      message: `admin.host is ${config.admin.host} (not loopback): set admin.token (IMP_BRIDGE_ADMIN_TOKEN) explicitly`,
      details: { problems: [`admin.token: required when admin.host (${config.admin.host}) is not a loopback address`] },
    });
  }
  const file = adminTokenPath(config.dataDir);
  if (fs.existsSync(file)) {
    const existing = fs.readFileSync(file, 'utf8').trim();
    // An empty or truncated file (crash mid-write, `touch`) must not become a token that almost anything matches.
    if (existing.length >= MIN_TOKEN_LENGTH) return existing;
  }
  const token = randomBytes(32).toString('base64url');
  fs.mkdirSync(config.dataDir, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
  return token;
}

/** Reads the token a CLI should present: configured, else the generated file. */
export function readAdminToken(config: Config): string | undefined {
  if (config.admin.token) return config.admin.token;
  const file = adminTokenPath(config.dataDir);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : undefined;
}

/** Constant-time comparison (hashing first makes the lengths equal). */
export function tokensEqual(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
