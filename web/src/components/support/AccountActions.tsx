// The owner's account: revoke one of its keys, suspend it; admins also reactivate it and change its tier.
// Each action is audited with its reason. The API decides who may (SUPPORT gets FORBIDDEN for admin ones).
import { useState } from "react";
import { useSession } from "../../session";
import type { Tier } from "../../types";
import { REACTIVATE, SET_TIER, STAFF_REVOKE_KEY, SUSPEND } from "./queries";
import { ReasonAction } from "./ReasonAction";
import type { Payload, StaffJobDetail } from "./types";

export function AccountActions({ account, onChanged }: { account: StaffJobDetail["account"]; onChanged(message: string): void }) {
  const { me, request } = useSession();
  const activeKeys = account.apiKeys.filter((k) => k.active);
  const [keyId, setKeyId] = useState(activeKeys[0]?.id ?? "");
  const [tier, setTier] = useState<Tier>(account.tier === "FREE" ? "PLUS" : "FREE");
  const admin = me.role === "ADMIN";
  const selectedKey = activeKeys.some((k) => k.id === keyId) ? keyId : activeKeys[0]?.id ?? "";
  return (
    <div className="actions">
      {activeKeys.length > 0 && (
        <ReasonAction title="Revoke an API key" submitLabel="Revoke key" done="Key revoked; its open connections close." danger onDone={onChanged}
          run={async (reason) => (await request<Payload<"staffRevokeApiKey">>(STAFF_REVOKE_KEY, { id: selectedKey, reason })).staffRevokeApiKey.userErrors}>
          <label htmlFor="revoke-key">Key</label>
          <select id="revoke-key" value={selectedKey} onChange={(e) => setKeyId(e.target.value)}>
            {activeKeys.map((k) => <option key={k.id} value={k.id}>{k.prefix}… {k.name ?? ""}</option>)}
          </select>
        </ReasonAction>
      )}
      {account.suspendedAt ? (
        admin && <ReasonAction title="Reactivate the account" submitLabel="Reactivate account" done="Account reactivated." onDone={onChanged}
          run={async (reason) => (await request<Payload<"reactivateAccount">>(REACTIVATE, { accountId: account.id, reason })).reactivateAccount.userErrors} />
      ) : (
        <ReasonAction title="Suspend the account" submitLabel="Suspend account" done="Account suspended; its queued jobs are cancelled." danger onDone={onChanged}
          run={async (reason) => (await request<Payload<"suspendAccount">>(SUSPEND, { accountId: account.id, reason })).suspendAccount.userErrors} />
      )}
      {admin && (
        <ReasonAction title="Change the tier" submitLabel="Change tier" done="Tier changed; new jobs get its limits." onDone={onChanged}
          run={async (reason) => (await request<Payload<"setAccountTier">>(SET_TIER, { accountId: account.id, tier, reason })).setAccountTier.userErrors}>
          <label htmlFor="new-tier">New tier</label>
          <select id="new-tier" value={tier} onChange={(e) => setTier(e.target.value as Tier)}>
            <option value="FREE">FREE</option><option value="PLUS">PLUS</option>
          </select>
        </ReasonAction>
      )}
    </div>
  );
}
