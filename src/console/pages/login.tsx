import { useState } from 'preact/hooks';
import { session, type Session } from '../api';
import { ErrorBox, Field } from '../ui';

export function LoginPage({ onLogin }: { onLogin: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  return (
    <main class="login">
      <h1>imp-bridge console</h1>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(undefined);
          try {
            onLogin(await session.login(token));
          } catch (err) {
            setError(err);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Field
          label="Admin token"
          hint="In <dataDir>/admin-token unless admin.token is configured. It is exchanged for a session cookie and not kept by the page."
        >
          <input type="password" name="token" autoComplete="current-password" required value={token} onInput={(e) => setToken(e.currentTarget.value)} />
        </Field>
        <ErrorBox error={error} />
        <button type="submit" disabled={busy}>
          Log in
        </button>
      </form>
    </main>
  );
}
