// Query.model: the card of the model the workers run (src/engine/card.ts), for the studio's examples.
import type { QueryResolvers } from "../../generated/graphql.js";
import { modelCard } from "../../engine/card.js";

export const modelQueries: Pick<QueryResolvers, "model"> = {
  model: (_parent, _args, ctx) => modelCard(ctx.services.config.engine.modelDir),
};
