// Reads a file's C2PA manifest back and validates it with c2pa-node's Reader: the claim signature, the
// BMFF hash over the whole MP4 (one flipped byte in `mdat` reads Invalid with assertion.bmffHash.mismatch),
// and, when trust anchors are given, the chain up to them (Trusted). Without anchors a sound file reads
// Valid with the one failure `signingCredential.untrusted`.
import { Reader } from "@contentauth/c2pa-node";
import type { Manifest, ManifestStore, StatusCodes } from "@contentauth/c2pa-types";
import { KINEMA_ASSERTION } from "./manifest.js";

export type ProvenanceState = "Trusted" | "Valid" | "Invalid" | "NoManifest";

export interface VerifyResult {
  state: ProvenanceState;
  /** failure codes of the validation, e.g. `signingCredential.untrusted`, `assertion.bmffHash.mismatch` */
  codes: string[];
  /** the signing certificate's organisation, as c2pa reports it */
  issuer: string | null;
  /** the trusted signing time; null without an RFC 3161 timestamp (Kinema signs offline, without one) */
  signedAt: string | null;
  /** `name/version` of the software that made the claim, e.g. `Kinema/0.1.0` */
  claimGenerator: string | null;
  /** the actions of the active manifest in order, e.g. `["c2pa.created"]` */
  actions: string[];
  /** the Kinema generation assertion, when present */
  kinema: Record<string, unknown> | null;
  /** the active manifest as read, for display and tests */
  manifest: Manifest | null;
}

export const UNTRUSTED = "signingCredential.untrusted";

export interface VerifyOptions {
  /** PEM of the root certificates a signer must chain to */
  trustAnchorsPem?: string;
  /** the file's type; "video/mp4" when omitted (a poster: "image/jpeg") */
  mimeType?: string;
}

/** Validates `path`. Throws when the file cannot be read or parsed at all. */
export async function verifyFile(path: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  // snake_case: Reader.fromAsset passes the object to c2pa-rs as JSON, unconverted
  const settings = {
    verify: { verify_trust: true, remote_manifest_fetch: false, ocsp_fetch: false }, // offline: no fetches
    ...(options.trustAnchorsPem ? { trust: { trust_anchors: options.trustAnchorsPem } } : {}),
  };
  let reader: Reader | null;
  try {
    reader = await Reader.fromAsset({ path, mimeType: options.mimeType ?? "video/mp4" }, settings);
  } catch (error) {
    throw new Error(`cannot read the C2PA data of ${path}: ${(error as Error).message}`, { cause: error });
  }
  if (!reader) return { state: "NoManifest", codes: [], issuer: null, signedAt: null, claimGenerator: null, actions: [], kinema: null, manifest: null };
  const store = reader.json();
  const manifest = store.active_manifest ? store.manifests?.[store.active_manifest] ?? null : null;
  const generator = manifest?.claim_generator_info?.[0];
  return {
    state: store.validation_state ?? "Invalid",
    codes: failureCodes(store),
    issuer: manifest?.signature_info?.issuer ?? null,
    signedAt: manifest?.signature_info?.time ?? null,
    claimGenerator: generator ? [generator.name, generator.version].filter(Boolean).join("/") : manifest?.claim_generator ?? null,
    actions: actionsOf(manifest),
    kinema: (manifest?.assertions?.find((a) => a.label === KINEMA_ASSERTION)?.data as Record<string, unknown> | undefined) ?? null,
    manifest,
  };
}

/**
 * Whether a delivered file may go out: Trusted, or, only where no trust anchors are configured (a
 * development chain), Valid with nothing wrong but the untrusted signer.
 */
export function acceptable(result: Pick<VerifyResult, "state" | "codes">, anchorsConfigured: boolean): boolean {
  if (result.state === "Trusted") return true;
  return !anchorsConfigured && result.state === "Valid" && result.codes.length === 1 && result.codes[0] === UNTRUSTED;
}

function failureCodes(store: ManifestStore): string[] {
  const results = store.validation_results;
  const lists: Array<StatusCodes | null | undefined> = [results?.activeManifest, ...(results?.ingredientDeltas ?? []).map((d) => d.validationDeltas)];
  const codes = lists.flatMap((list) => list?.failure.map((status) => status.code) ?? []);
  // `validation_status` is the older flat list of problems; it repeats the failures above
  for (const status of store.validation_status ?? []) if (status.success !== true) codes.push(status.code);
  return [...new Set(codes)];
}

function actionsOf(manifest: Manifest | null): string[] {
  const assertion = manifest?.assertions?.find((a) => /^c2pa\.actions(\.v\d+)?$/.test(a.label));
  const actions = (assertion?.data as { actions?: Array<{ action: string }> } | undefined)?.actions ?? [];
  return actions.map((a) => a.action);
}
