import type { HashBankEntryResolvers, MutationResolvers, QueryResolvers, SafetyIncidentResolvers } from "../../generated/graphql.js";
import { HashBankAdmin } from "../../safety/banks/admin.js";
import { annotateIncident, listIncidents } from "../../safety/incidents/store.js";
import { requireAccount } from "../context.js";

// Who may call these (admins for the bank; staff read incidents, admins annotate them) is the
// authorisation matrix's decision (../authorization.ts). The bank admin is stateless: one per call.

export const hashBankQueries: Pick<QueryResolvers, "hashBankEntries" | "hashBankVersion" | "safetyIncidents"> = {
  hashBankEntries: (_parent, args, ctx) => new HashBankAdmin(ctx.services.sql).list(args),
  hashBankVersion: (_parent, _args, ctx) => new HashBankAdmin(ctx.services.sql).version(),
  safetyIncidents: (_parent, { from, to, status }, ctx) => listIncidents(ctx.services.sql, from, to, status ?? null),
};

export const hashBankMutations: Pick<MutationResolvers, "addHashBankEntry" | "disableHashBankEntry" | "annotateSafetyIncident"> = {
  addHashBankEntry: (_parent, { input, reason }, ctx) => new HashBankAdmin(ctx.services.sql).add(requireAccount(ctx), input, reason?.trim() || null),
  disableHashBankEntry: (_parent, { id, reason }, ctx) => new HashBankAdmin(ctx.services.sql).disable(requireAccount(ctx), id, reason?.trim() || null),
  annotateSafetyIncident: (_parent, { id, note, close, reason }, ctx) =>
    annotateIncident(ctx.services.sql, requireAccount(ctx), id, { note: note?.trim() || null, close: close ?? false }, reason?.trim() || null),
};

export const HashBankEntry: HashBankEntryResolvers = {
  id: (entry) => String(entry.id),
};

export const SafetyIncident: SafetyIncidentResolvers = {
  id: (incident) => String(incident.id),
};
