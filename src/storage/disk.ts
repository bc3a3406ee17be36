// ObjectStore on local disk: one file per object under the root, its content type in a sidecar
// `.type` file. Writes go to a temporary name and are renamed into place, so a reader never sees half
// an object (a crashed worker's partial checkpoint is never read back).
import { createReadStream } from "node:fs";
import { copyFile, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { randomBytes } from "node:crypto";
import { assertKey, type ObjectStore, type StoredObject } from "./store.js";

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

  async open(key: string): Promise<{ stream: NodeJS.ReadableStream; info: StoredObject } | null> {
    const path = this.path(key);
    const size = await stat(path).then((s) => s.size, notFound);
    if (size === null) return null;
    const contentType = (await readFile(`${path}.type`, "utf8").catch(() => "application/octet-stream")).trim();
    return { stream: createReadStream(path), info: { bytes: size, contentType } };
  }

  async delete(key: string): Promise<void> {
    const path = this.path(key);
    await rm(path, { force: true });
    await rm(`${path}.type`, { force: true });
  }

  private path(key: string): string {
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

function notFound(error: NodeJS.ErrnoException): null {
  if (error.code === "ENOENT") return null;
  throw error;
}
