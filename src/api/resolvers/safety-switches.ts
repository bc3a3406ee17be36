import type { JobResolvers, MutationResolvers, QueryResolvers } from "../../generated/graphql.js";
import { deliveryHold } from "../../safety/switches/delivery.js";
import { switchProblems } from "../../safety/switches/service.js";
import type { SafetySwitchesPatch } from "../../safety/switches/store.js";
import { requireAccount } from "../context.js";

// Who may call these (staff read, admin change) is the authorisation matrix's decision (../authorization.ts).

export const safetySwitchQueries: Pick<QueryResolvers, "safetySwitches"> = {
  safetySwitches: (_parent, _args, ctx) => ctx.services.switches.current,
};

export const safetySwitchMutations: Pick<MutationResolvers, "updateSafetySwitches"> = {
  updateSafetySwitches: async (_parent, { input }, ctx) => {
    const admin = requireAccount(ctx);
    const { reason, ...fields } = input;
    // GraphQL null means "leave as it is", like a field left out.
    const patch = Object.fromEntries(Object.entries(fields).filter(([, v]) => v != null)) as SafetySwitchesPatch;
    const problems = switchProblems(patch);
    if (problems.length) {
      return { switches: null, userErrors: problems.map(([field, message]) => ({ code: "INVALID_INPUT", message: `${field} ${message}.`, field: ["input", field] })) };
    }
    if (Object.keys(patch).length === 0) {
      return { switches: null, userErrors: [{ code: "INVALID_INPUT", message: "Nothing to change: give at least one switch.", field: ["input"] }] };
    }
    const switches = await ctx.services.switches.update(patch, { reason: reason?.trim() || null, actor: `account:${admin.id}`, account: admin });
    return { switches, userErrors: [] };
  },
};

/** Job fields of the face hold: the reason the video is null while the switch holds it. */
export const jobDeliveryFields: Pick<JobResolvers, "deliveryHold"> = {
  deliveryHold: (job, _args, ctx) => deliveryHold(job, ctx.services.switches.current),
};
