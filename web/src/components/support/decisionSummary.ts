// The one line of an event's staff record that answers the support question it raises, shown unfolded
// beside the event ("why was it blocked?" -> the rule and rule set; "who cancelled?" -> the account, its
// role and the reason; "where did this clip come from?" -> the job a cache hit delivered from). The full
// record stays folded below it.

type Fields = Record<string, unknown>;

function parse(detail: string): Fields | null {
  try {
    const value = JSON.parse(detail) as unknown;
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Fields) : null;
  } catch {
    return null;
  }
}

const text = (v: unknown) => (v == null || v === "" ? null : String(v));

function cancelledBy(d: Fields): string {
  const reason = text(d.reason);
  const who = d.by === "staff" ? `staff (${text(d.role) ?? "?"}) account ${text(d.accountId) ?? "?"}`
    : d.by === "owner" ? `the owner, account ${text(d.accountId) ?? "?"}` : "an unknown caller";
  return `by ${who}${reason ? ` — reason: ${reason}` : ""}`;
}

export function decisionSummary(kind: string, detail: string): string | null {
  const d = parse(detail);
  if (!d) return null;
  switch (kind) {
    case "PREFILTER_DECISION":
      return d.verdict === "blocked"
        ? `blocked · category ${text(d.category) ?? "?"} · rule ${text(d.ruleId) ?? "?"} · rule set v${text(d.ruleSetVersion) ?? "?"}`
        : `passed · rule set v${text(d.ruleSetVersion) ?? "?"}`;
    case "CANCEL_REQUESTED":
    case "CANCELLED":
      return cancelledBy(d);
    case "CACHE_HIT":
      return `from job ${text(d.sourceJobId) ?? "?"}`;
    case "RETRY_SCHEDULED":
      return `${text(d.code) ?? "?"} · backoff ${Number(d.backoffSeconds ?? 0).toFixed(1)} s · ${text(d.attemptsLeft) ?? "?"} attempts left`;
    default:
      return null;
  }
}
