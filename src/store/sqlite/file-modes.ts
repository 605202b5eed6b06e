import fs from 'node:fs';

/**
 * The store and its WAL files hold password hashes and personal data: owner only, whatever
 * the umask. SQLite creates -wal/-shm with the main file's mode when it can, but an existing
 * deployment's files (0644 before this release) are narrowed here at every open.
 */
export function restrictStoreFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      fs.chmodSync(f, 0o600);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
