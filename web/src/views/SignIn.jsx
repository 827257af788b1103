// Signing in: with the one-time link's secret (after # in the URL, never sent to a server's log)
// or an API key pasted once. Either becomes a server-side session; the key is not kept here.
import { useEffect, useState } from 'preact/hooks';
import { api, setCsrfToken } from '../api.js';
import { t } from '../i18n.js';

export function SignIn({ onSignedIn }) {
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState(null);

  const signIn = async (body) => {
    setBusy(true);
    setProblem(null);
    try {
      const session = await api('POST', '/v1/session', { body });
      setCsrfToken(session.csrf_token);
      onSignedIn(session);
    } catch (error) {
      setProblem(error.message);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    const secret = location.hash.slice(1);
    if (location.pathname === '/signin' && secret) {
      history.replaceState(null, '', '/signin');  // the secret is spent either way: out of the history
      signIn({ link: secret });
    }
  }, []);

  return (
    <main id="main" class="signin">
      <h1>{t.signInTitle}</h1>
      {busy && <p aria-live="polite">{t.signInWithLink}</p>}
      {problem && <p role="alert" class="problem">{t.signInLinkFailed}: {problem}</p>}
      <form onSubmit={(e) => { e.preventDefault(); signIn({ api_key: key.trim() }); setKey(''); }}>
        <p>{t.pasteKey}</p>
        <label for="api-key">{t.apiKey}</label>
        <input id="api-key" type="password" autocomplete="off" value={key} onInput={(e) => setKey(e.target.value)} required />
        <button type="submit" disabled={busy}>{t.signInButton}</button>
      </form>
    </main>
  );
}
