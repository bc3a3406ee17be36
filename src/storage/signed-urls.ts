// Expiring signed URLs for stored objects: `/files/<key>?expires=<unix s>&signature=<hmac>`. Only API
// processes sign (workers store keys), with a secret every API process shares (kept in the database's
// `settings` table, created on first start), so a URL from one API instance works at any other.
import { createHmac, timingSafeEqual } from "node:crypto";

export const FILES_PATH = "/files/";

/** `<kind>/<job id>/...`: the job whose folder a key lies in. */
const JOB_FOLDER = /^[a-z]+\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\//;

export class UrlSigner {
  /** Where clients reach the API (KINEMA_PUBLIC_URL, or the address it listens on); "" gives relative URLs. */
  baseUrl = "";

  constructor(private readonly secret: Buffer, private readonly ttlSeconds: number) {}

  /**
   * `jobId`: the job the URL is handed out for, signed into it (`&job=`), so the URL answers 410 Gone once
   * that job's outputs are removed even where the object stays for another job (an exact-match cache hit
   * shares its source's clip).
   */
  sign(key: string, now = Date.now(), jobId?: string): { url: string; expiresAt: Date } {
    const expires = Math.floor(now / 1000) + this.ttlSeconds;
    const job = jobId ? `&job=${jobId}` : "";
    const url = `${this.baseUrl}${FILES_PATH}${key}?expires=${expires}${job}&signature=${this.mac(key, expires, jobId)}`;
    return { url, expiresAt: new Date(expires * 1000) };
  }

  /** The key a request may read, or null when the signature is wrong or expired. */
  verify(path: string, query: URLSearchParams, now = Date.now()): string | null {
    return this.verifyLink(path, query, now)?.key ?? null;
  }

  /**
   * The key and the job a request's link was signed for (its `job`, or for a link signed without one,
   * the job whose folder the key lies in), or null when the signature is wrong or expired.
   */
  verifyLink(path: string, query: URLSearchParams, now = Date.now()): { key: string; jobId: string | null } | null {
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
    const job = query.get("job") ?? undefined;
    const expected = Buffer.from(this.mac(key, expires, job));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    return { key, jobId: job ?? JOB_FOLDER.exec(key)?.[1] ?? null };
  }

  private mac(key: string, expires: number, jobId?: string): string {
    // Without a job, the text signed before links named one: those links keep working until they expire.
    return createHmac("sha256", this.secret).update(jobId ? `${key}\n${expires}\n${jobId}` : `${key}\n${expires}`).digest("base64url");
  }
}
