// The post-filter's hash bank and classifiers, from config: built once per worker process.
import type { Config } from "../config/config.js";
import type { Logger } from "../log.js";
import { InMemoryHashBank, loadHashBankFile, type HashBank } from "./banks/index.js";
import { defaultClassifiers, type FrameClassifier } from "./classifiers/index.js";

export interface PostfilterSafety { bank: HashBank; classifiers: FrameClassifier[] }

export async function createPostfilterSafety(config: Pick<Config, "safety">, log: Logger): Promise<PostfilterSafety> {
  const s = config.safety;
  let bank: HashBank;
  if (s.hashBank) bank = await loadHashBankFile(s.hashBank);
  else {
    // A deployment must configure its CSAM hash bank (KINEMA_HASH_BANK); without one the gate still hashes
    // every frame (the audit record shows it) but has nothing to match against.
    log.warn("no hash bank configured (KINEMA_HASH_BANK): the CSAM frame gate matches nothing");
    bank = new InMemoryHashBank([], { description: "none configured" });
  }
  const classifiers = defaultClassifiers({
    nsfw: { thresholds: s.nsfwThresholds },
    likeness: { galleryPath: s.likenessGallery ?? undefined, threshold: s.likenessThreshold },
  });
  return { bank, classifiers };
}
