// ObjectStore on local disk: one file per object under the root, its content type in a sidecar
// `.type` file. Writes go to a temporary name and are renamed into place, so a reader never sees half
// an object (a crashed worker's partial checkpoint is never read back).
import { copyFile, mkdir, open, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { assertKey, resolveRange, type ByteRange, type ObjectStore, type OpenedObject, type StoredObject } from "./store.js";

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

  private path(key: string): string {
    // Sidecars and half-written files are the adapter's own, never objects.
    if (/\.(type|tmp)$/.test(key)) throw new Error(`invalid object key: ${JSON.stringify(key)}`);
    return join(this.root, assertKey(key));
  }

  private async place(key: string, contentType: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.${randomBytes(4).toString("hex")}.tmp`;
    await write(tmp);
    await writeFile(`${path}.type`, contentType);
    await rename(tmp, path);
  }
}

/** null for a key that names no object: nothing there, or a directory of other keys ("videos"). */
function notFound(error: NodeJS.ErrnoException): null {
  if (error.code === "ENOENT" || error.code === "EISDIR" || error.code === "ERR_FS_EISDIR") return null;
  throw error;
}
