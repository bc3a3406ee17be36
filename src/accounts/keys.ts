// API keys: 32 random bytes, shown once, stored as a SHA-256 hash (a fast hash suffices for random keys).
import { createHash, randomBytes } from "node:crypto";

const PREFIX = "kin_";

export function newApiKey(): { key: string; hash: string; prefix: string } {
  const key = PREFIX + randomBytes(32).toString("base64url");
  return { key, hash: hashApiKey(key), prefix: key.slice(0, 12) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

/** The key from an `Authorization: Bearer <key>` value; null when absent or not a bearer credential. */
export function bearerKey(header: string | undefined | null): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}
