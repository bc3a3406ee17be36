// The caller's own API keys (schema/keys.graphql): thin resolvers over ApiKeyService, which scopes every
// call to the authenticated account.
import type { ApiKeyResolvers, MutationResolvers, QueryResolvers } from "../../generated/graphql.js";
import { isActive } from "../../accounts/api-keys.js";
import { requireAccount } from "../context.js";

export const keyQueries: Pick<QueryResolvers, "apiKeys"> = {
  apiKeys: (_parent, { includeRevoked }, ctx) => ctx.services.keys.list(requireAccount(ctx), { includeRevoked }),
};

export const keyMutations: Pick<MutationResolvers, "createApiKey" | "revokeApiKey" | "rotateApiKey"> = {
  createApiKey: (_parent, { input }, ctx) => ctx.services.keys.create(requireAccount(ctx), input),
  revokeApiKey: (_parent, { id }, ctx) => ctx.services.keys.revoke(requireAccount(ctx), id),
  rotateApiKey: (_parent, { id, gracePeriodSeconds }, ctx) => ctx.services.keys.rotate(requireAccount(ctx), id, gracePeriodSeconds),
};

export const ApiKey: ApiKeyResolvers = {
  // A use this process noted but has not written yet (it writes once a minute) is newer than the row's.
  lastUsedAt: (key, _args, ctx) => ctx.services.keyUsage.pendingUse(key.id) ?? key.lastUsedAt,
  active: (key) => isActive(key),
  current: (key, _args, ctx) => key.id === ctx.apiKeyId,
};
