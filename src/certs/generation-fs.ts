import { randomBytes } from 'node:crypto';
import fs from 'node:fs';

/** The filesystem steps of server-generations.ts: durable writes and one-rename symlink switches. */

export function fsyncPath(p: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Directories cannot be fsynced everywhere (e.g. Windows); the rename order still holds.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function writeDurable(file: string, content: string, mode: number): void {
  const fd = fs.openSync(file, 'wx', mode);
  try {
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(file, mode);
}

/** Replaces (or creates) `link` by a symlink to `target` in one rename. */
export function swapSymlink(link: string, target: string): void {
  const tmp = `${link}.${randomBytes(6).toString('hex')}.link.tmp`;
  fs.symlinkSync(target, tmp);
  try {
    fs.renameSync(tmp, link);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

export function readLinkOrUndefined(p: string): string | undefined {
  try {
    return fs.readlinkSync(p);
  } catch {
    return undefined;
  }
}
