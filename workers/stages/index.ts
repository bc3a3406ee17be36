// The production pipeline, in order: nothing is signed or stored before the post-filter passes it. The
// variants (poster, spritesheet) are made and signed in SIGNING, after the clip: the clip is their ingredient.
import type { Config } from "../../src/config/config.js";
import type { ModelSource } from "../../src/engine/models.js";
import type { ObjectStore } from "../../src/storage/store.js";
import type { Stage } from "../pipeline.js";
import { decodeStage } from "./decode.js";
import { denoiseStage } from "./denoise.js";
import { uploadStage } from "./upload.js";
import { signStage, type SignStageDeps } from "./sign.js";
import { postfilterStage } from "./postfilter.js";
import { variantsStage } from "./variants.js";
import type { PostfilterSafety } from "../../src/safety/setup.js";
import { StepTimes } from "../../src/engine/step-times.js";

export interface StageDeps { models: ModelSource; store: ObjectStore; engine: Config["engine"]; signing: SignStageDeps; safety: PostfilterSafety }

export function productionStages(deps: StageDeps): Stage[] {
  const stepTimes = new StepTimes(); // shared by the stages of this pipeline, across its jobs
  return [
    denoiseStage({ ...deps, stepTimes }), decodeStage(),
    postfilterStage(deps.safety),
    signStage(deps.signing), variantsStage(deps.signing),
    uploadStage({ store: deps.store, stepTimes }),
  ];
}
