// An ObjectStore with the harness's crash points around every write and delete:
// store:{before,after}-{put,delete}:<kind>, where <kind> is the key's first segment (checkpoints,
// previews, videos). Installed only when a fault point is armed (src/storage/setup.ts).
import type { ObjectStore } from "../storage/store.js";
import { faultPoint } from "./faults.js";

export function withFaultPoints(store: ObjectStore): ObjectStore {
  const around = async <T>(op: string, key: string, run: () => Promise<T>): Promise<T> => {
    const kind = key.split("/")[0];
    faultPoint(`store:before-${op}:${kind}`);
    const result = await run();
    faultPoint(`store:after-${op}:${kind}`);
    return result;
  };
  return {
    put: (key, data, type) => around("put", key, () => store.put(key, data, type)),
    putFile: (key, path, type) => around("put", key, () => store.putFile(key, path, type)),
    get: (key) => store.get(key),
    open: (key, range) => store.open(key, range),
    delete: (key) => around("delete", key, () => store.delete(key)),
    list: (prefix) => store.list(prefix),
    ...(store.removeTemporaries ? { removeTemporaries: (prefix: string, ms: number) => store.removeTemporaries!(prefix, ms) } : {}),
    ...(store.presign ? { presign: (key: string, ttl: number) => store.presign!(key, ttl) } : {}),
    ...(store.presignOrigins ? { presignOrigins: () => store.presignOrigins!() } : {}),
  };
}
