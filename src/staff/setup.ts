// Builds the staff services an API process holds, wired to what must hear of their changes at once in
// this process: the key cache and open sockets. Other API processes learn within KINEMA_KEY_CACHE_MS.
import type pg from "pg";
import type { ApiKeyService } from "../accounts/api-keys.js";
import type { KeyAuthenticator } from "../accounts/authenticator.js";
import type { EventBus } from "../events/bus.js";
import { StaffActions, type StaffActionListeners } from "./actions.js";
import { StaffSearch } from "./search.js";
import { RegenerationReports } from "./regeneration.js";

export interface StaffServices {
  search: StaffSearch;
  actions: StaffActions;
  /** the regeneration rate (staff reports and the kinema_regeneration_rate gauge) */
  regeneration: RegenerationReports;
  /** what must hear of a revoked key or a changed account in this process (account deletion uses them too) */
  listeners: StaffActionListeners;
  /** called after staff changed an account (suspension, tier); returns the unsubscribe */
  onAccountChanged(listener: (accountId: string) => void): () => void;
}

export function createStaffServices(pool: pg.Pool, bus: EventBus, keys: ApiKeyService, auth: KeyAuthenticator, regenerationWindowMinutes: number): StaffServices {
  const listeners = new Set<(accountId: string) => void>();
  const actionListeners: StaffActionListeners = {
    keyRevoked: (keyHash) => { auth.invalidate(keyHash); keys.announce(keyHash); },
    accountChanged: (accountId) => {
      auth.invalidateAccount(accountId);
      for (const listener of listeners) listener(accountId);
    },
  };
  const actions = new StaffActions(pool, bus, actionListeners);
  return {
    search: new StaffSearch(pool),
    regeneration: new RegenerationReports(pool, regenerationWindowMinutes),
    actions,
    listeners: actionListeners,
    onAccountChanged(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
