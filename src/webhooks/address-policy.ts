// Where a webhook may go (SSRF). Only http(s) URLs; the host is resolved and EVERY address must be
// public: loopback, private (RFC 1918, unique-local), link-local (169.254/16, cloud metadata included),
// carrier-grade NAT, "this network", multicast and reserved ranges are refused unless an allowed CIDR
// (KINEMA_WEBHOOK_ALLOWED_CIDRS) covers them. Checked at registration and again at each send, and the send
// connects to the checked address (no second lookup a DNS rebinding could answer differently).
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

const REFUSED_V4 = [
  ["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12],
  ["192.0.0.0", 24], ["192.0.2.0", 24], ["192.168.0.0", 16], ["198.18.0.0", 15], ["198.51.100.0", 24],
  ["203.0.113.0", 24], ["224.0.0.0", 4], ["240.0.0.0", 4],
] as const;
const REFUSED_V6 = [["::", 128], ["::1", 128], ["fc00::", 7], ["fe80::", 10], ["ff00::", 8], ["2001:db8::", 32], ["64:ff9b::", 96]] as const;

export interface ResolvedAddress { address: string; family: 4 | 6 }
export type AddressCheck = { ok: true; url: URL; addresses: ResolvedAddress[] } | { ok: false; reason: string };

export class AddressPolicy {
  private readonly refused = new BlockList();
  private readonly allowed = new BlockList();

  constructor(allowedCidrs: readonly string[] = [], private readonly resolve = defaultResolve) {
    for (const [net, prefix] of REFUSED_V4) this.refused.addSubnet(net, prefix, "ipv4");
    for (const [net, prefix] of REFUSED_V6) this.refused.addSubnet(net, prefix, "ipv6");
    for (const cidr of allowedCidrs) {
      const [net, prefix] = cidr.split("/");
      const family = isIP(net ?? "");
      if (!family) throw new Error(`not a CIDR: ${cidr}`);
      this.allowed.addSubnet(net!, Number(prefix ?? (family === 4 ? 32 : 128)), family === 4 ? "ipv4" : "ipv6");
    }
  }

  /** The URL's addresses when all may be reached, else why not (a sentence for the caller). */
  async check(raw: string): Promise<AddressCheck> {
    let url: URL;
    try { url = new URL(raw); } catch { return { ok: false, reason: "not a valid URL" }; }
    if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, reason: "only http and https URLs are allowed" };
    if (url.username || url.password) return { ok: false, reason: "credentials in the URL are not allowed" };
    const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
    let addresses: ResolvedAddress[];
    try {
      addresses = isIP(host) ? [{ address: host, family: isIP(host) as 4 | 6 }] : await this.resolve(host);
    } catch (error) {
      return { ok: false, reason: `the host does not resolve (${(error as { code?: string }).code ?? "error"})` };
    }
    if (addresses.length === 0) return { ok: false, reason: "the host does not resolve" };
    for (const a of addresses) {
      if (!this.permits(a)) return { ok: false, reason: `the host resolves to a private, loopback or link-local address (${a.address})` };
    }
    return { ok: true, url, addresses };
  }

  private permits({ address, family }: ResolvedAddress): boolean {
    const type = family === 4 ? "ipv4" : "ipv6";
    if (this.allowed.check(address, type)) return true;
    // An IPv4-mapped IPv6 address (::ffff:10.0.0.1) is judged as the IPv4 address it maps.
    const mapped = family === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
    if (mapped) return this.permits({ address: mapped, family: 4 });
    return !this.refused.check(address, type);
  }
}

async function defaultResolve(host: string): Promise<ResolvedAddress[]> {
  const found = await lookup(host, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
}
