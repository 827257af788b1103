// The app shell: who is signed in, the navigation, and the view of the current path.
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { currentSession, ApiError } from './api.js';
import { language, t } from './i18n.js';
import { navigate, usePath } from './router.js';
import { startCapture } from './capture/session.js';
import { SignIn } from './views/SignIn.jsx';
import { Today } from './views/Today.jsx';
import { Actions } from './views/Actions.jsx';
import { Digests } from './views/Digests.jsx';
import { Memory } from './views/Memory.jsx';
import { Search } from './views/Search.jsx';
import { Settings } from './views/Settings.jsx';
import './app.css';

const VIEWS = [
  { path: '/', label: () => t.today, view: Today },
  { path: '/search', label: () => t.search, view: Search },
  { path: '/digests', label: () => t.digests, view: Digests, prefix: true },
  { path: '/actions', label: () => t.actions, view: Actions },
  { path: '/memory', label: () => t.memory, view: Memory },
  { path: '/settings', label: () => t.settings, view: Settings },
];

function Shell({ me, onSignedOut }) {
  const path = usePath();
  // Pieces an earlier visit left behind are sent as soon as the app is signed in.
  useEffect(() => { startCapture(); }, []);
  const current = VIEWS.find((v) => v.path === path || (v.prefix && path.startsWith(v.path + '/')));
  const View = current?.view;
  useEffect(() => {
    document.title = current ? `${current.label()} · ${t.app}` : t.app;
  }, [path]);
  return (
    <>
      <header class="bar">
        <a class="brand" href="/" onClick={(e) => navigate(e, '/')}>{t.app}</a>
        <nav aria-label={t.nav}>
          <ul>
            {VIEWS.map((v) => (
              <li key={v.path}>
                <a href={v.path} aria-current={v === current ? 'page' : undefined} onClick={(e) => navigate(e, v.path)}>
                  {v.label()}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </header>
      <main id="main">
        {View ? <View me={me} onSignedOut={onSignedOut} /> : <p>{t.notFound}</p>}
      </main>
    </>
  );
}

function App() {
  const path = usePath();
  const [me, setMe] = useState(undefined);  // undefined: asking; null: not signed in
  const [problem, setProblem] = useState(null);
  const ask = () => currentSession().then(setMe, (error) => {
    if (error instanceof ApiError && error.code === 'offline') setMe({ offline: true });
    else setProblem(error.message);
  });
  useEffect(() => { if (location.pathname !== '/signin') ask(); }, []);
  if (problem) return <main id="main"><h1>{t.error}</h1><p role="alert">{problem}</p></main>;
  if (path === '/signin' || me === null) {
    return <SignIn onSignedIn={(session) => { setMe(session); navigate(null, '/'); }} />;
  }
  if (me === undefined) return <main id="main" aria-busy="true"><p>{t.loading}</p></main>;
  return <Shell me={me} onSignedOut={() => setMe(null)} />;
}

document.documentElement.lang = language;
render(<App />, document.getElementById('app'));
if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
