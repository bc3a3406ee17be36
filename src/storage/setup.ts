// The object store of this process, from config: local disk under the data directory (default), or an
// S3-compatible bucket (then videos are downloaded through presigned URLs).
import { join } from "node:path";
import type { Config } from "../config/config.js";
import { DiskObjectStore } from "./disk.js";
import { S3ObjectStore } from "./s3.js";
import type { ObjectStore } from "./store.js";
import { faultsArmed } from "../testing/faults.js";
import { withFaultPoints } from "../testing/faulty-store.js";

export function createStore(config: Pick<Config, "storage" | "dataDir">): ObjectStore {
  // The fault-injection harness's crash points, only in a process a test armed (KINEMA_FAULT_POINT).
  return faultsArmed ? withFaultPoints(createAdapter(config)) : createAdapter(config);
}

function createAdapter(config: Pick<Config, "storage" | "dataDir">): ObjectStore {
  const s = config.storage;
  if (s.kind === "disk") return new DiskObjectStore(join(config.dataDir, "objects"));
  return new S3ObjectStore({
    endpoint: s.endpoint, bucket: s.bucket, region: s.region, forcePathStyle: s.forcePathStyle,
    accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, prefix: s.prefix,
  });
}
