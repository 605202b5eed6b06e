import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { CertPaths } from './cert-paths';
import { fsyncPath, readLinkOrUndefined, swapSymlink, writeDurable } from './generation-fs';

/**
 * The server key, certificate and chain, activated as one set.
 *
 * Each set is a generation directory, written and fsynced whole before it is used:
 *
 *   certs/server/gen-<time>-<random>/{server.key (0600), server.crt, chain.pem, generation.json}
 *   certs/server/current  -> gen-…                      (the one switch: rename(2) of a symlink)
 *   certs/server.key      -> server/current/server.key  (stable paths, as before)
 *   certs/server.crt      -> server/current/server.crt
 *   certs/chain.pem       -> server/current/chain.pem
 *
 * A crash at any point leaves `current` naming either the old complete generation or the new
 * one, so the key, certificate and chain read through the stable paths always belong
 * together. Each generation records the one active before it (`previous`), which is what
 * rollback returns to; older generations are pruned.
 *
 * Another tool may replace a stable path by a regular file (an ACME client renaming its new
 * file over ours); such files are adopted into a new generation, with steps that each leave
 * the same key, certificate and chain readable, then the stable paths become links again.
 */

/** The files of one set, as written. */
export interface ServerFiles {
  keyPem: string;
  certPem: string;
  chainPems: string[];
}

export interface GenerationMeta {
  /** The generation active when this one was made (what rollback returns to). */
  previous?: string;
  createdAt: string;
  action: string;
  fingerprint: string;
  /**
   * `generated`: the self-signed default the proxy made (and may renew itself); `installed`:
   * what an operator or another tool gave it. Absent in generations of older releases.
   */
  origin?: ServerOrigin;
}

export type ServerOrigin = 'generated' | 'installed';

/** What a set records about itself, apart from its place in the history. */
export type SetMeta = Pick<GenerationMeta, 'action' | 'fingerprint' | 'origin'>;

/** Where one generation's files are; shaped like CertPaths so readServerMaterial reads it. */
export interface GenerationFiles {
  name: string;
  serverKey: string;
  serverCert: string;
  serverChain: string;
}

/**
 * Test seam: called after each filesystem step (named, e.g. 'generation.synced',
 * 'current.switched'). Throwing from it stops the activation there, as a crash would.
 */
export type AfterFsStep = (step: string) => void;

const KEY = 'server.key';
const CERT = 'server.crt';
const CHAIN = 'chain.pem';
const META = 'generation.json';
const GEN = /^gen-[0-9A-Za-z-]+$/;

function writeGenerationFiles(dir: string, files: ServerFiles, meta: Omit<GenerationMeta, 'createdAt'>, step: (name: string) => void): string {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[-:.]/g, '');
  const name = `gen-${stamp}-${randomBytes(4).toString('hex')}`;
  const g = path.join(dir, name);
  fs.mkdirSync(g, { mode: 0o755 });
  step('generation.created');
  writeDurable(path.join(g, KEY), files.keyPem, 0o600);
  step('generation.key');
  writeDurable(path.join(g, CERT), files.certPem, 0o644);
  step('generation.cert');
  // Always present (possibly empty) so the chain.pem link never dangles.
  writeDurable(path.join(g, CHAIN), files.chainPems.length ? files.chainPems.map((p) => p.trim()).join('\n') + '\n' : '', 0o644);
  step('generation.chain');
  writeDurable(path.join(g, META), `${JSON.stringify({ ...meta, createdAt: new Date().toISOString() }, null, 2)}\n`, 0o644);
  fsyncPath(g);
  fsyncPath(dir);
  step('generation.synced');
  return name;
}

/** Removes every generation not in `keep`, unfinished generations and temp links, and the pre-generation layout. */
function removeOtherGenerations(paths: CertPaths, keep: Set<string | undefined>, warn: (message: string, err: unknown) => void): void {
  const dir = paths.serverGenerationsDir;
  try {
    for (const entry of fs.readdirSync(dir)) {
      if (keep.has(entry) || entry === path.basename(paths.serverCurrent)) continue;
      if (GEN.test(entry) || entry.endsWith('.tmp')) fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
    }
    for (const entry of fs.readdirSync(paths.root)) {
      if (entry.endsWith('.link.tmp')) fs.rmSync(path.join(paths.root, entry), { force: true });
    }
    if (fs.existsSync(paths.legacyPreviousDir)) fs.rmSync(paths.legacyPreviousDir, { recursive: true, force: true });
  } catch (err) {
    warn('cannot prune old server certificate generations', err);
  }
}

function generationFiles(dir: string, name: string): GenerationFiles {
  const g = path.join(dir, name);
  return { name, serverKey: path.join(g, KEY), serverCert: path.join(g, CERT), serverChain: path.join(g, CHAIN) };
}

function generationMeta(dir: string, name: string): GenerationMeta | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, name, META), 'utf8')) as GenerationMeta;
  } catch {
    return undefined;
  }
}

/** A generation is complete once its generation.json exists: it is written last. */
function isComplete(dir: string, name: string | undefined): name is string {
  if (!name || !GEN.test(name)) return false;
  const f = generationFiles(dir, name);
  return generationMeta(dir, name) !== undefined && fs.existsSync(f.serverKey) && fs.existsSync(f.serverCert);
}

export function createServerGenerations(paths: CertPaths, options: { afterFsStep?: AfterFsStep; onWarning?: (message: string, err: unknown) => void } = {}) {
  const dir = paths.serverGenerationsDir;
  const step = (name: string) => options.afterFsStep?.(name);
  const warn = options.onWarning ?? (() => undefined);
  const stable = [
    { file: paths.serverKey, name: KEY },
    { file: paths.serverCert, name: CERT },
    { file: paths.serverChain, name: CHAIN },
  ];
  const stableTarget = (name: string) => path.join(path.relative(paths.root, dir), 'current', name);

  const filesOf = (name: string) => generationFiles(dir, name);
  const metaOf = (name: string) => generationMeta(dir, name);
  const complete = (name: string | undefined): name is string => isComplete(dir, name);

  const current = (): string | undefined => ((name) => (complete(name) ? name : undefined))(readLinkOrUndefined(paths.serverCurrent));

  function previous(): GenerationFiles | undefined {
    const cur = current();
    const prev = cur ? metaOf(cur)?.previous : undefined;
    return complete(prev) ? filesOf(prev) : undefined;
  }

  /** Whether the stable paths are our links and `current` names a complete generation. */
  function layoutOk(): boolean {
    return current() !== undefined && stable.every((s) => readLinkOrUndefined(s.file) === stableTarget(s.name));
  }

  const writeGeneration = (files: ServerFiles, meta: Omit<GenerationMeta, 'createdAt'>) => writeGenerationFiles(dir, files, meta, step);

  /** The one switch: after this rename the new set is the active one. */
  function switchTo(name: string): void {
    swapSymlink(paths.serverCurrent, name);
    step('current.switched');
    fsyncPath(dir);
  }

  function linkStablePaths(): void {
    for (const s of stable) {
      if (readLinkOrUndefined(s.file) === stableTarget(s.name)) continue;
      swapSymlink(s.file, stableTarget(s.name));
      step(`link.${s.name}`);
    }
    fsyncPath(paths.root);
  }

  /** Removes generations other than the current and its previous, and temp links of a crash. */
  function prune(notify = true): void {
    const cur = current();
    if (!cur) return;
    removeOtherGenerations(paths, new Set([cur, metaOf(cur)?.previous]), warn);
    if (notify) step('pruned');
  }

  return {
    current,
    previous,
    layoutOk,
    /** Removes what a crash left behind (unfinished or superseded generations). */
    tidy: () => prune(false),
    /** Makes the stable paths links into `current` (first start, where no set existed). */
    link: linkStablePaths,

    /** The record of the active generation. */
    currentMeta(): GenerationMeta | undefined {
      const cur = current();
      return cur ? metaOf(cur) : undefined;
    },
    /** The record of a generation, e.g. the one `previous()` names. */
    metaOf: (files: GenerationFiles): GenerationMeta | undefined => metaOf(files.name),

    /**
     * Makes `files` the active set; the current one becomes its previous. Expects the layout
     * in order (see `adopt`). Throws, with the old set still active, if anything fails before
     * the switch.
     */
    activate(files: ServerFiles, meta: { action: string; fingerprint: string; origin?: ServerOrigin }): string {
      const name = writeGeneration(files, { ...meta, previous: current() });
      switchTo(name);
      prune();
      return name;
    },

    /**
     * Brings the layout in order around `files`, which must be what the stable paths hold now
     * (so that no step changes what is read through them) — or, when what they hold is not a
     * valid set, what is in use. `legacyPrevious`: the set kept by the pre-generation layout.
     */
    adopt(files: ServerFiles & { fingerprint: string }, legacyPrevious?: ServerFiles & { fingerprint: string }): void {
      if (layoutOk()) return;
      let name = current();
      const same = name !== undefined && sameFiles(filesOf(name), files);
      if (!same) {
        let previousName = name;
        if (!previousName && legacyPrevious)
          previousName = writeGeneration(legacyPrevious, { action: 'migrate-previous', fingerprint: legacyPrevious.fingerprint });
        name = writeGeneration(files, { action: 'adopt', fingerprint: files.fingerprint, previous: previousName });
        switchTo(name);
      }
      linkStablePaths();
      prune();
    },
  };
}

function sameFiles(gen: GenerationFiles, files: ServerFiles): boolean {
  try {
    const chain = fs.readFileSync(gen.serverChain, 'utf8');
    const wanted = files.chainPems.length ? files.chainPems.map((p) => p.trim()).join('\n') + '\n' : '';
    return fs.readFileSync(gen.serverKey, 'utf8') === files.keyPem && fs.readFileSync(gen.serverCert, 'utf8') === files.certPem && chain === wanted;
  } catch {
    return false;
  }
}

export type ServerGenerations = ReturnType<typeof createServerGenerations>;

/**
 * Makes `files` the active set with `previous` as its previous (what another instance of the
 * deployment has), reusing a local generation that holds the same files: the set replicated
 * from the database is materialised here exactly, so rollback works on any instance.
 */
export function replaceServerSets(paths: CertPaths, files: ServerFiles & { meta: SetMeta }, previous?: ServerFiles & { meta: SetMeta }): void {
  const dir = paths.serverGenerationsDir;
  const generations = createServerGenerations(paths);
  const cur = generations.current();
  const local = [cur, cur ? generationMeta(dir, cur)?.previous : undefined].filter((name): name is string => isComplete(dir, name));
  const reuse = (set: ServerFiles) => local.find((name) => sameFiles(generationFiles(dir, name), set));
  const none = () => undefined;
  const previousName = previous ? (reuse(previous) ?? writeGenerationFiles(dir, previous, previous.meta, none)) : undefined;
  const name = writeGenerationFiles(dir, files, { ...files.meta, previous: previousName }, none);
  swapSymlink(paths.serverCurrent, name);
  fsyncPath(dir);
  generations.link();
  generations.tidy();
}
