// ObjectStore on local disk: one file per object under the root, its content type in a sidecar
// `.type` file. Writes go to a temporary name and are renamed into place, so a reader never sees half
// an object (a crashed worker's partial checkpoint is never read back). A write that fails removes its
// temporary file; one killed half-way leaves it, for removeTemporaries (the orphan sweep) to find.
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { randomBytes } from "node:crypto";
import { assertKey, resolveRange, type ByteRange, type ListedObject, type ObjectStore, type OpenedObject, type StoredObject } from "./store.js";

export class DiskObjectStore implements ObjectStore {
  constructor(private readonly root: string) {}

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    await this.place(key, contentType, (tmp) => writeFile(tmp, data));
  }

  async putFile(key: string, path: string, contentType: string): Promise<StoredObject> {
    await this.place(key, contentType, (tmp) => copyFile(path, tmp));
    return { bytes: (await stat(this.path(key))).size, contentType };
  }

  async get(key: string): Promise<Buffer | null> {
    return readFile(this.path(key)).catch(notFound);
  }

  async open(key: string, range?: ByteRange): Promise<OpenedObject | null> {
    const path = this.path(key);
    // One descriptor for the size and the bytes, so an object replaced (renamed over) in between
    // cannot give the size of one version and the bytes of the other.
    const file = await open(path, "r").catch(notFound);
    if (!file) return null;
    try {
      const stats = await file.stat();
      if (!stats.isFile()) {
        await file.close();
        return null; // a key naming a directory ("videos") is no object
      }
      const served = resolveRange(key, range, stats.size);
      const contentType = (await readFile(`${path}.type`, "utf8").catch(() => "application/octet-stream")).trim();
      // Size, modification time and inode: every write is a new file renamed into place (a new inode),
      // so a replaced object never keeps its ETag, even one written again within the same millisecond.
      const etag = `"${stats.size.toString(16)}-${Math.floor(stats.mtimeMs).toString(16)}-${stats.ino.toString(16)}"`;
      const stream = stats.size === 0 ? file.createReadStream() : file.createReadStream({ start: served.start, end: served.end });
      return { stream, info: { bytes: stats.size, contentType, etag }, range: served };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key);
    await rm(path, { force: true }).catch(notFound);
    await rm(`${path}.type`, { force: true });
  }

  async list(prefix: string): Promise<ListedObject[]> {
    const listed: ListedObject[] = [];
    for (const { key, path } of await this.walk(prefix)) {
      if (/\.(type|tmp)$/.test(key)) continue;
      const stats = await stat(path).catch(notFound);
      if (stats?.isFile()) listed.push({ key, bytes: stats.size, modifiedAt: stats.mtime });
    }
    return listed;
  }

  async removeTemporaries(prefix: string, olderThanMs: number): Promise<number> {
    let removed = 0;
    for (const { key, path } of await this.walk(prefix)) {
      if (!key.endsWith(".tmp")) continue;
      const stats = await stat(path).catch(notFound);
      if (!stats || Date.now() - stats.mtimeMs < olderThanMs) continue; // a write may still be under way
      await rm(path, { force: true });
      removed += 1;
    }
    return removed;
  }

  /** Every file under the folder `prefix` lies in, as key (relative, with /) and path, filtered by the prefix. */
  private async walk(prefix: string): Promise<{ key: string; path: string }[]> {
    const folder = prefix.includes("/") ? prefix.slice(0, prefix.lastIndexOf("/")) : "";
    if (folder) assertKey(folder);
    const entries = await readdir(join(this.root, folder), { recursive: true, withFileTypes: true }).catch((error: NodeJS.ErrnoException) => (error.code === "ENOTDIR" ? null : notFound(error)));
    return (entries ?? []).filter((e) => e.isFile()).map((e) => {
      const path = join(e.parentPath, e.name);
      return { key: relative(this.root, path), path };
    }).filter((f) => f.key.startsWith(prefix));
  }

  private path(key: string): string {
    // Sidecars and half-written files are the adapter's own, never objects.
    if (/\.(type|tmp)$/.test(key)) throw new Error(`invalid object key: ${JSON.stringify(key)}`);
    return join(this.root, assertKey(key));
  }

  private async place(key: string, contentType: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await write(tmp);
      await writeFile(`${path}.type`, contentType);
      await rename(tmp, path);
    } catch (error) {
      await rm(tmp, { force: true });
      throw error;
    }
  }
}

/** null for a key that names no object: nothing there, or a directory of other keys ("videos"). */
function notFound(error: NodeJS.ErrnoException): null {
  if (error.code === "ENOENT" || error.code === "EISDIR" || error.code === "ERR_FS_EISDIR") return null;
  throw error;
}
