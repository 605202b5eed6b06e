import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { errorText, session, setCsrfToken, whenUnauthorized } from './api';
import { CertificatesPage } from './pages/certificates';
import { JobsPage } from './pages/jobs';
import { LoginPage } from './pages/login';
import { OverviewPage } from './pages/overview';
import { RequestsPage } from './pages/requests';
import { SubscriberDetailPage } from './pages/subscriber-detail';
import { SubscribersPage } from './pages/subscribers';
import { TemplatesPage } from './pages/templates';

const NAV: Array<[string, string]> = [
  ['#/', 'Overview'],
  ['#/subscribers', 'Subscribers'],
  ['#/jobs', 'Jobs'],
  ['#/templates', 'Templates & clusters'],
  ['#/certificates', 'Certificates'],
  ['#/requests', 'Requests'],
];

/** Hash routes: the admin listener serves one index, and no route needs the server. */
function useHash(): string {
  const [hash, setHash] = useState(location.hash || '#/');
  useEffect(() => {
    const on = () => setHash(location.hash || '#/');
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return hash;
}

function Page({ hash }: { hash: string }) {
  const [path, query = ''] = hash.slice(1).split('?');
  const parts = (path ?? '/').split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  switch (parts[0]) {
    case undefined:
      return <OverviewPage />;
    case 'subscribers':
      return parts[1] ? <SubscriberDetailPage userId={parts[1]} /> : <SubscribersPage params={params} />;
    case 'jobs':
      return <JobsPage />;
    case 'templates':
      return <TemplatesPage />;
    case 'certificates':
      return <CertificatesPage />;
    case 'requests':
      return <RequestsPage />;
    default:
      return (
        <p>
          No such page. <a href="#/">Back to the overview</a>
        </p>
      );
  }
}

function App() {
  const [state, setState] = useState<'checking' | 'out' | 'in'>('checking');
  const [logoutError, setLogoutError] = useState<string>();
  const hash = useHash();
  useEffect(() => {
    whenUnauthorized(() => setState('out'));
    session.current().then(
      (s) => {
        setCsrfToken(s.csrfToken);
        setState('in');
      },
      () => setState('out'),
    );
  }, []);
  if (state === 'checking') return <p class="loading">Loading…</p>;
  if (state === 'out')
    return (
      <LoginPage
        onLogin={(s) => {
          setCsrfToken(s.csrfToken);
          setState('in');
        }}
      />
    );
  const current = NAV.find(([href]) => href !== '#/' && hash.startsWith(href))?.[0] ?? (hash === '#/' ? '#/' : undefined);
  return (
    <div class="shell">
      <header class="top">
        <a class="brand" href="#/">
          imp-bridge
        </a>
        <nav aria-label="Main">
          {NAV.map(([href, label]) => (
            <a href={href} aria-current={current === href ? 'page' : undefined} key={href}>
              {label}
            </a>
          ))}
        </nav>
        <button
          type="button"
          class="secondary logout"
          onClick={async () => {
            try {
              await session.logout();
              setCsrfToken(undefined);
              setState('out');
            } catch (err) {
              setLogoutError(errorText(err));
            }
          }}
        >
          Log out
        </button>
      </header>
      {logoutError && <p class="error">{logoutError}</p>}
      <main id="main">
        <Page hash={hash} />
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
