import { z } from 'zod';
import { canonicalFieldFor, CANONICAL_FIELDS, COMMAND_TABLE, commandSpecFor, type CanonicalField, type CommandSpec } from './dialect-table';

/**
 * Dialect variants seen in the field, added by configuration instead of a release: command-type
 * aliases, element aliases, elements to ignore, and which answer-document variant to send.
 */
export const ANSWER_VARIANTS = ['documented', 'no-namespace'] as const;
export type AnswerVariant = (typeof ANSWER_VARIANTS)[number];

const KNOWN_TYPES = COMMAND_TABLE.flatMap((c) => [c.type, ...c.aliases]);
const XML_NAME = /^[A-Za-z_][\w.-]{0,127}$/;
const stripPrefix = (name: string) => (name.includes(':') ? name.slice(name.indexOf(':') + 1) : name);

export const dialectExtensionsSchema = z
  .strictObject({
    commandAliases: z
      .record(z.string(), z.string())
      .default({})
      .describe('xsi:type seen in the field → a known command type (e.g. UserIMPAddRequest22: UserIntegratedIMPAddRequest)'),
    fieldAliases: z.record(z.string(), z.string()).default({}).describe('element name seen in the field → a canonical field (e.g. mail: emailAddress)'),
    ignoreElements: z.array(z.string()).default([]).describe('element names inside a command that are read and ignored (no longer a gap)'),
    answerVariant: z
      .enum(ANSWER_VARIANTS, { error: `expected one of: ${ANSWER_VARIANTS.join(', ')}` })
      .default('documented')
      .describe('documented: xmlns="C" on the root and xmlns="" on children; no-namespace: neither'),
  })
  .superRefine((ext, ctx) => {
    for (const [alias, target] of Object.entries(ext.commandAliases)) {
      if (!XML_NAME.test(stripPrefix(alias)))
        ctx.addIssue({
          code: 'custom',
          path: ['commandAliases', alias],
          message: `"${alias.slice(0, 64)}" is not an element type name`,
        });
      else if (commandSpecFor(alias))
        ctx.addIssue({
          code: 'custom',
          path: ['commandAliases', alias],
          message: `${alias} is already a known command type; remove this alias`,
        });
      if (!commandSpecFor(target))
        ctx.addIssue({
          code: 'custom',
          path: ['commandAliases', alias],
          message: `unknown command type "${target.slice(0, 64)}"; use one of: ${KNOWN_TYPES.join(', ')}`,
        });
    }
    for (const [alias, target] of Object.entries(ext.fieldAliases)) {
      if (!XML_NAME.test(alias))
        ctx.addIssue({
          code: 'custom',
          path: ['fieldAliases', alias],
          message: `"${alias.slice(0, 64)}" is not an element name`,
        });
      else if (canonicalFieldFor(alias))
        ctx.addIssue({
          code: 'custom',
          path: ['fieldAliases', alias],
          message: `${alias} is already read as ${canonicalFieldFor(alias)}; remove this alias`,
        });
      if (!(CANONICAL_FIELDS as readonly string[]).includes(target))
        ctx.addIssue({
          code: 'custom',
          path: ['fieldAliases', alias],
          message: `unknown field "${target.slice(0, 64)}"; use one of: ${CANONICAL_FIELDS.join(', ')}`,
        });
    }
    ext.ignoreElements.forEach((name, i) => {
      if (!XML_NAME.test(name))
        ctx.addIssue({
          code: 'custom',
          path: ['ignoreElements', i],
          message: `"${name.slice(0, 64)}" is not an element name`,
        });
      else if (canonicalFieldFor(name) || Object.prototype.hasOwnProperty.call(ext.fieldAliases, name))
        ctx.addIssue({
          code: 'custom',
          path: ['ignoreElements', i],
          message: `${name} is a field imp-bridge reads; ignoring it would drop data`,
        });
    });
  });

export type DialectExtensions = z.infer<typeof dialectExtensionsSchema>;
export type DialectExtensionsInput = z.input<typeof dialectExtensionsSchema>;
export const NO_EXTENSIONS: DialectExtensions = Object.freeze({
  commandAliases: {},
  fieldAliases: {},
  ignoreElements: [],
  answerVariant: 'documented',
});

/** `dialect.fieldAliases.mail: unknown field "mial"; use one of: …` */
export function describeDialectIssues(error: z.ZodError, prefix = 'dialect'): string[] {
  return error.issues.map((issue) => `${[prefix, ...issue.path.map(String)].join('.')}: ${issue.message}`);
}

/** The reader's view of the extensions, built once per change (look-ups stay O(1) per element). */
export interface CompiledDialect {
  readonly extensions: DialectExtensions;
  commandSpec(xsiType: string): CommandSpec | undefined;
  field(elementName: string): CanonicalField | undefined;
  isIgnored(elementName: string): boolean;
}

function own<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

export function compileDialect(extensions: DialectExtensions = NO_EXTENSIONS): CompiledDialect {
  const commandAliases = new Map(Object.entries(extensions.commandAliases).map(([a, t]) => [stripPrefix(a), commandSpecFor(t)]));
  const ignored = new Set(extensions.ignoreElements);
  return {
    extensions,
    commandSpec: (xsiType) => commandSpecFor(xsiType) ?? commandAliases.get(stripPrefix(xsiType)),
    field: (name) => canonicalFieldFor(name) ?? (own(extensions.fieldAliases, name) as CanonicalField | undefined),
    isIgnored: (name) => ignored.has(name),
  };
}

const compiledCache = new WeakMap<DialectExtensions, CompiledDialect>();

/** The compiled form of a (frozen, provider-owned) extensions object, built once per change. */
export function compiledDialectFor(extensions: DialectExtensions | undefined): CompiledDialect {
  const key = extensions ?? NO_EXTENSIONS;
  let compiled = compiledCache.get(key);
  if (!compiled) compiledCache.set(key, (compiled = compileDialect(key)));
  return compiled;
}

/**
 * What the reader consults on every request, so a changed configuration applies from the next
 * request without a restart. `set` validates first: a wrong change leaves the current one.
 */
export interface DialectProvider {
  current(): CompiledDialect;
  set(input: unknown): { ok: true } | { ok: false; problems: string[] };
}

export function createDialectProvider(initial: DialectExtensionsInput = {}): DialectProvider {
  let compiled = compiledDialectFor(dialectExtensionsSchema.parse(initial));
  return {
    current: () => compiled,
    set(input) {
      const parsed = dialectExtensionsSchema.safeParse(input ?? {});
      if (!parsed.success) return { ok: false, problems: describeDialectIssues(parsed.error) };
      compiled = compiledDialectFor(parsed.data);
      return { ok: true };
    },
  };
}
