import { maskUrlPassword, SECRET_KEYS } from './schema';

const secretKeys = new Set<string>(SECRET_KEYS);

/** A copy of any config-shaped value with every secret replaced by "[REDACTED]" (and the password of any URL). */
export function redactConfig<T>(value: T): T {
  return walk(value) as T;
}

function walk(value: unknown): unknown {
  if (typeof value === 'string') return maskUrlPassword(value);
  if (Array.isArray(value)) return value.map(walk);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = secretKeys.has(key) && v !== undefined ? '[REDACTED]' : walk(v);
  }
  return out;
}
