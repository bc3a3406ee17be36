// The post-filter's hash bank and classifiers, from config: built once per worker process.
import type { Config } from "../config/config.js";
import type { Logger } from "../log.js";
import { InMemoryHashBank, loadHashBankFile, type HashBank } from "./banks/index.js";
import { defaultClassifiers, type FrameClassifier } from "./classifiers/index.js";
import type { SwitchesSource } from "./switches/service.js";

export interface PostfilterSafety {
  bank: HashBank;
  classifiers: FrameClassifier[];
  /** the NCII co-occurrence gate's intimacy threshold (src/safety/scan/postfilter.ts) */
  nciiThreshold: number;
  /** the kill switches in force (the threshold factor, the face hold); null: none (tests, `kinema scan`) */
  switches: SwitchesSource | null;
}

/** The configured hash bank, read now (the re-scan calls this each run, so a changed file applies). */
export async function loadConfiguredBank(config: Pick<Config, "safety">, log: Logger): Promise<HashBank> {
  if (config.safety.hashBank) return loadHashBankFile(config.safety.hashBank);
  // Workers and the re-scan match the database's bank (kinema bank import) on top of this file; without
  // either, the gate still hashes every frame (the audit record shows it) but has nothing to match against.
  log.warn("no hash bank file configured (KINEMA_HASH_BANK): the CSAM frame gate matches only the entries imported into the database");
  return new InMemoryHashBank([], { description: "none configured" });
}

export async function createPostfilterSafety(config: Pick<Config, "safety">, log: Logger, switches: SwitchesSource | null = null): Promise<PostfilterSafety> {
  const s = config.safety;
  const bank = await loadConfiguredBank(config, log);
  const classifiers = defaultClassifiers({
    nsfw: { thresholds: s.nsfwThresholds, factor: () => switches?.current.thresholdFactor ?? 1 },
    likeness: { galleryPath: s.likenessGallery ?? undefined, threshold: s.likenessThreshold },
  });
  return { bank, classifiers, nciiThreshold: s.nciiThreshold, switches };
}
