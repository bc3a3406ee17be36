// Embedded mode keeps secrets on disk: the database (key hashes, the URL-signing secret, also in its
// WAL), the demo key, the development signing key. None of it may be readable or writable by other
// local users. The data folder is 0700 (nobody else can even look inside), the process's umask is
// 0077 (what it creates is private), and modes that are already too open are tightened: the
// embedded engine (PGlite's Emscripten file system) writes its files 0666 whatever the umask.
import { chmod, lstat, mkdir, readdir, stat } from "node:fs/promises";
import { join } from "node:path";

/**
 * A folder only this user can enter, created if missing, tightened if it exists. A shared folder such
 * as /tmp (world-writable with the sticky bit) is refused rather than closed to everyone else.
 */
export async function privateDirectory(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  const info = await stat(path);
  if ((info.mode & 0o1002) === 0o1002) throw new Error(`${path} is a shared folder (like /tmp); give Kinema a folder of its own`);
  await chmod(path, 0o700);
}

/** From now on, files and folders this process creates are private (0600/0700), child processes too. */
export function privateUmask(): void {
  try {
    process.umask(0o077);
  } catch {
    // Worker threads cannot change it; the folder's 0700 and tightenModes() still hold.
  }
}

/**
 * Removes group and other permissions from everything under `root` (symbolic links are left alone:
 * their own mode means nothing). Returns how many entries it changed. About 1,000 files: a few ms.
 */
export async function tightenModes(root: string): Promise<number> {
  let changed = 0;
  const visit = async (path: string): Promise<void> => {
    let info;
    try {
      info = await lstat(path);
    } catch {
      return; // removed meanwhile (a recycled WAL segment)
    }
    if (info.isSymbolicLink()) return;
    if ((info.mode & 0o077) !== 0) {
      await chmod(path, info.mode & 0o700).catch(() => {});
      changed++;
    }
    if (info.isDirectory()) {
      const entries = await readdir(path).catch(() => [] as string[]);
      await Promise.all(entries.map((name) => visit(join(path, name))));
    }
  };
  await visit(root);
  return changed;
}
