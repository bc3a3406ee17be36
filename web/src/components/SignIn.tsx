import { useState, type FormEvent } from "react";
import { AuthError } from "../api";
import { Notice } from "./Notice";

export function SignIn({ onSignIn, message }: { onSignIn(key: string): Promise<void>; message: string | null }) {
  const [key, setKey] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) return setError("Enter your API key.");
    setBusy(true);
    setError(null);
    try {
      await onSignIn(trimmed);
    } catch (e) {
      setError(e instanceof AuthError ? "That API key was not accepted. Check it and try again." : (e as Error).message);
      setBusy(false);
    }
  }

  return (
    <main className="page narrow signin">
      <h1><span className="logo" aria-hidden="true">▶</span> Kinema Studio</h1>
      <p className="muted">Turn a prompt into a short video clip. Sign in with your Kinema API key.</p>
      {message && <Notice kind="info">{message}</Notice>}
      <form onSubmit={submit} className="card" noValidate>
        <label htmlFor="api-key">API key</label>
        <input id="api-key" name="api-key" type="password" autoComplete="current-password" spellCheck={false}
          placeholder="kin_…" value={key} onChange={(e) => setKey(e.target.value)}
          aria-invalid={error ? true : undefined} aria-describedby={error ? "api-key-error" : "api-key-hint"} />
        {error
          ? <p id="api-key-error" className="field-error" role="alert">{error}</p>
          : <p id="api-key-hint" className="hint">Kept in this browser only, until you sign out.</p>}
        <button type="submit" disabled={busy}>{busy ? "Signing in…" : "Sign in"}</button>
      </form>
      <p className="muted small">Developers: the GraphQL API and its IDE are at <a href="/graphql">/graphql</a>.</p>
    </main>
  );
}
