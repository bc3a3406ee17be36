// The studio's shell: sign-in state, the session (requests and socket for one key) and the routes.
import { useCallback, useEffect, useMemo, useState } from "react";
import { ApiError, AuthError, createSocket, request as rawRequest } from "./api";
import { ME } from "./queries";
import { useRoute } from "./route";
import { SessionContext, type Session } from "./session";
import { storedKey, storeJobId, storeKey } from "./storage";
import type { Me } from "./types";
import { CreatePage } from "./components/CreatePage";
import { Header } from "./components/Header";
import { HistoryPage } from "./components/HistoryPage";
import { JobPage } from "./components/JobPage";
import { Notice } from "./components/Notice";
import { SignIn } from "./components/SignIn";
import { SupportArea } from "./components/support/SupportArea";

const REFUSED = "Your API key was not accepted (it may have been revoked). Please sign in again.";

export function App() {
  const [key, setKey] = useState<string | null>(storedKey);
  const [me, setMe] = useState<Me | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const route = useRoute();

  const signOut = useCallback((why?: string) => {
    storeKey(null);
    storeJobId(null);
    setKey(null);
    setMe(null);
    setMessage(why ?? null);
  }, []);

  const signIn = useCallback(async (candidate: string) => {
    const data = await rawRequest<{ me: Me }>(candidate, ME); // AuthError/ApiError go to the form
    storeKey(candidate);
    setMessage(null);
    setKey(candidate);
    setMe(data.me);
  }, []);

  // A key kept from an earlier visit: check it and load the account.
  const loadMe = useCallback(async (stored: string) => {
    setLoadError(null);
    try {
      setMe((await rawRequest<{ me: Me }>(stored, ME)).me);
    } catch (e) {
      if (e instanceof AuthError) signOut(REFUSED);
      else setLoadError((e as ApiError).message);
    }
  }, [signOut]);

  useEffect(() => {
    if (key && !me) void loadMe(key);
  }, [key, me, loadMe]);

  const request = useCallback(async <T,>(query: string, variables?: Record<string, unknown>): Promise<T> => {
    try {
      return await rawRequest<T>(key ?? "", query, variables);
    } catch (e) {
      if (e instanceof AuthError) signOut(REFUSED);
      throw e;
    }
  }, [key, signOut]);

  const socket = useMemo(() => (key ? createSocket(key, () => signOut(REFUSED)) : null), [key, signOut]);
  useEffect(() => () => void socket?.dispose(), [socket]);

  const session = useMemo<Session | null>(
    () => (key && me && socket ? { key, me, request, socket, signOut } : null),
    [key, me, request, socket, signOut],
  );

  if (!key) return <SignIn onSignIn={signIn} message={message} />;
  if (!session) {
    return (
      <main className="page narrow" aria-busy={!loadError}>
        {loadError ? (
          <Notice kind="error" title="Can't load your account">
            <p>{loadError}</p>
            <div className="row">
              <button type="button" onClick={() => void loadMe(key)}>Try again</button>
              <button type="button" className="secondary" onClick={() => signOut()}>Sign out</button>
            </div>
          </Notice>
        ) : <p className="muted">Loading your account…</p>}
      </main>
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <Header route={route} />
      <main className="page" id="main" tabIndex={-1}>
        {route.page === "create" && <CreatePage />}
        {route.page === "history" && <HistoryPage />}
        {route.page === "job" && <JobPage id={route.id} />}
        {(route.page === "support" || route.page === "support-job") && <SupportArea route={route} />}
      </main>
    </SessionContext.Provider>
  );
}
