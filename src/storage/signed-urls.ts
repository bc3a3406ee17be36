// Expiring signed URLs for stored objects: `/files/<key>?expires=<unix s>&signature=<hmac>`. Only API
// processes sign (workers store keys), with a secret every API process shares (kept in the database's
// `settings` table, created on first start), so a URL from one API instance works at any other.
import { createHmac, timingSafeEqual } from "node:crypto";

export const FILES_PATH = "/files/";

export class UrlSigner {
  /** Where clients reach the API (KINEMA_PUBLIC_URL, or the address it listens on); "" gives relative URLs. */
  baseUrl = "";

  constructor(private readonly secret: Buffer, private readonly ttlSeconds: number) {}

  sign(key: string, now = Date.now()): { url: string; expiresAt: Date } {
    const expires = Math.floor(now / 1000) + this.ttlSeconds;
    const url = `${this.baseUrl}${FILES_PATH}${key}?expires=${expires}&signature=${this.mac(key, expires)}`;
    return { url, expiresAt: new Date(expires * 1000) };
  }

  /** The key a request may read, or null when the signature is wrong or expired. */
  verify(path: string, query: URLSearchParams, now = Date.now()): string | null {
    if (!path.startsWith(FILES_PATH)) return null;
    let key: string;
    try {
      key = decodeURIComponent(path.slice(FILES_PATH.length));
    } catch {
      return null; // a malformed escape (`%E0%A4%A`): a tampered link, not a server error
    }
    const expires = Number(query.get("expires"));
    const signature = query.get("signature") ?? "";
    if (!Number.isInteger(expires) || expires * 1000 < now) return null;
    const expected = Buffer.from(this.mac(key, expires));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected) ? key : null;
  }

  private mac(key: string, expires: number): string {
    return createHmac("sha256", this.secret).update(`${key}\n${expires}`).digest("base64url");
  }
}
