// Violence / gore: the port exists, the model does not. There is no violence classifier that runs
// offline on tfjs or onnxruntime among the packages this project can install, and nsfwjs's classes
// (Drawing, Hentai, Neutral, Porn, Sexy) say nothing about violence. So nothing here scores violence,
// `defaultClassifiers()` does not register it, and the post-filter does not check for graphic violence
// in frames; only the prompt pre-filter's rules cover it. Plug a real model in through ViolenceModel.

import type { ClassifierResult, Frame, FrameClassifier } from "./port.js";

/** A model that scores one frame for graphic violence, 0 (none) to 1. None ships with Kinema. */
export interface ViolenceModel {
  readonly name: string;
  score(frame: Frame): Promise<number>;
  load?(): Promise<void>;
}

export const DEFAULT_VIOLENCE_THRESHOLD = 0.8;

/** Adapts a ViolenceModel to the classifier port: flagged "violence" at or above the threshold. */
export function violenceClassifier(model: ViolenceModel, threshold = DEFAULT_VIOLENCE_THRESHOLD): FrameClassifier {
  return {
    name: "violence",
    async load() {
      await model.load?.();
    },
    async classify(frame: Frame): Promise<ClassifierResult> {
      const violence = await model.score(frame);
      const flagged = violence >= threshold;
      return { scores: { violence }, flagged, category: flagged ? "violence" : null, detail: { model: model.name, threshold } };
    },
  };
}
