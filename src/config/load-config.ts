import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { ImpbError } from '../errors';
import { configSchema, ENV_OVERRIDES, maskUrlPassword, SECRET_KEYS, type Config } from './schema';

const secretKeys = new Set<string>(SECRET_KEYS);

export const DEFAULT_CONFIG_PATH = 'config/imp-bridge.yaml';

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Base object merged under the file (tests pass settings without writing a file). */
  overrides?: Record<string, unknown>;
  cwd?: string;
}

export interface LoadedConfig {
  config: Config;
  /** The file that was read, or undefined when none exists. */
  source?: string;
}

/**
 * Reads `IMP_BRIDGE_CONFIG` (or `config/imp-bridge.yaml` when it exists), applies
 * `IMP_BRIDGE_*` overrides and validates the result. Throws IMPB_ERR_CONFIG_INVALID
 * whose `details.problems` holds one line per wrong key.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const explicit = env.IMP_BRIDGE_CONFIG;
  const file = path.resolve(cwd, explicit ?? DEFAULT_CONFIG_PATH);
  let raw: Record<string, unknown> = {};
  let source: string | undefined;

  if (fs.existsSync(file)) {
    source = file;
    let parsed: unknown;
    try {
      parsed = YAML.parse(fs.readFileSync(file, 'utf8'), { prettyErrors: true });
    } catch (err) {
      throw configError([`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`], err);
    }
    if (parsed !== null && parsed !== undefined) {
      if (typeof parsed !== 'object' || Array.isArray(parsed)) {
        throw configError([`${file}: expected a mapping of configuration keys at the top level`]);
      }
      raw = parsed as Record<string, unknown>;
    }
  } else if (explicit) {
    throw configError([`IMP_BRIDGE_CONFIG: file not found: ${file}`]);
  }

  raw = deepMerge(options.overrides ?? {}, raw);
  const envPaths = new Map<string, string>();
  for (const [name, keyPath] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    setPath(raw, keyPath, value);
    envPaths.set(keyPath, name);
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) {
    throw configError(formatIssues(result.error, raw, envPaths));
  }
  const config = result.data;
  config.dataDir = path.resolve(cwd, config.dataDir);
  return { config, source };
}

function configError(problems: string[], cause?: unknown): ImpbError {
  return new ImpbError('IMPB_ERR_CONFIG_INVALID', {
    message: `configuration is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    details: { problems },
    cause,
  });
}

export function formatIssues(error: z.ZodError, raw: unknown, envPaths: Map<string, string> = new Map()): string[] {
  return error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      // One line per unknown key, named in full; its value is not echoed (a mistyped secret key holds a secret).
      return issue.keys.map((key) => `${[...issue.path.map(String), key].join('.')}: unknown key (a typo? see config/imp-bridge.example.yaml)`);
    }
    const keyPath = issue.path.map(String).join('.') || '(root)';
    const fromEnv = envPaths.get(keyPath);
    const got = getPath(raw, issue.path.map(String));
    // A wrong secret (a too-short token, say) is named, never echoed.
    const secret = issue.path.some((segment) => secretKeys.has(String(segment)));
    const gotText =
      got === undefined
        ? 'nothing'
        : secret
          ? 'a value that is not shown (secret)'
          : typeof got === 'string'
            ? JSON.stringify(maskUrlPassword(got))
            : JSON.stringify(got);
    const origin = fromEnv ? ` (from ${fromEnv})` : '';
    return `${keyPath}${origin}: ${issue.message}, got ${gotText}`;
  });
}

function setPath(target: Record<string, unknown>, keyPath: string, value: unknown): void {
  const keys = keyPath.split('.');
  let node: Record<string, unknown> = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = value;
}

function getPath(source: unknown, keys: string[]): unknown {
  let node: unknown = source;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function deepMerge(base: Record<string, unknown>, top: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const prev = out[key];
    out[key] = isPlainObject(prev) && isPlainObject(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
