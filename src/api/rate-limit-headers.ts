// The IETF RateLimit headers (draft-ietf-httpapi-ratelimit-headers, the structured-field form) on the
// HTTP response of a generateVideo: each policy's quota and window, and what is left of it:
//   RateLimit-Policy: "minute";q=30;w=60, "day";q=300;w=86400, "queued";q=30
//   RateLimit: "minute";r=29;t=60, "day";r=299;t=86400, "queued";r=29
// (`t`: seconds until a used unit comes back, left out when nothing is counted; the queued-jobs limit is
// a level, not a window: no `w`.) A refusal (RATE_LIMITED, QUOTA_EXCEEDED) also sends Retry-After. The
// body stays a GraphQL answer with status 200: the refusal is a userError, nothing was queued.
import type { ApolloServerPlugin } from "@apollo/server";
import type { LimitPolicy } from "../limits/policy.js";
import type { GraphQLContext } from "./context.js";

export interface RateLimitOutcome { policies: LimitPolicy[]; retryAfterSeconds?: number }

export function rateLimitPolicyHeader(policies: readonly LimitPolicy[]): string {
  return policies.map((p) => `"${p.name}";q=${p.quota}${p.windowSeconds === null ? "" : `;w=${p.windowSeconds}`}`).join(", ");
}

export function rateLimitHeader(policies: readonly LimitPolicy[]): string {
  return policies.map((p) => `"${p.name}";r=${p.remaining}${p.resetSeconds === null ? "" : `;t=${Math.max(0, Math.ceil(p.resetSeconds))}`}`).join(", ");
}

export function rateLimitHeadersPlugin(): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ contextValue, response }) {
          const outcome = contextValue.rateLimit;
          if (!outcome) return;
          response.http.headers.set("ratelimit-policy", rateLimitPolicyHeader(outcome.policies));
          response.http.headers.set("ratelimit", rateLimitHeader(outcome.policies));
          if (outcome.retryAfterSeconds !== undefined) response.http.headers.set("retry-after", String(outcome.retryAfterSeconds));
        },
      };
    },
  };
}
