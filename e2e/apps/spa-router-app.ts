// A small React Router (v7) app for the SPA e2e test, bundled with esbuild at test time
// (e2e/support/spa-build.ts). Plain createElement: the repo's tsconfig has no JSX setting.
import { createElement as h, useEffect } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Routes, Route, Link, useNavigate, useParams, useSearchParams, useLocation } from 'react-router';

const w = window as any;

function Screen(p: { route: string; children?: any }) {
  const loc = useLocation();
  useEffect(() => {
    document.title = 'RR ' + p.route;
  }, [p.route]);
  return h('main', null, h('h1', { id: 'route', 'data-route': p.route, 'data-path': loc.pathname + loc.search }, p.route), p.children);
}

function Nav() {
  return h(
    'nav',
    null,
    h(Link, { to: '/', id: 'l-home' }, 'Home'),
    ' ',
    h(Link, { to: '/about', id: 'l-about' }, 'About'),
    ' ',
    h(Link, { to: '/users/1', id: 'l-user1' }, 'User 1'),
    ' ',
    h(Link, { to: '/old-pricing', id: 'l-old' }, 'Old pricing'),
    ' ',
    h(Link, { to: '/search?q=a', id: 'l-search' }, 'Search'),
  );
}

function User() {
  const { id } = useParams();
  return h(Screen, { route: 'user:' + id }, h(Link, { to: '/users/' + (Number(id) + 1), id: 'l-next-user' }, 'Next user'));
}

// A moved page: the route redirects with navigate(..., { replace: true }) as soon as it renders.
function OldPricing() {
  const navigate = useNavigate();
  useEffect(() => {
    w.redirects = (w.redirects || 0) + 1;
    navigate('/pricing', { replace: true });
  }, [navigate]);
  return h(Screen, { route: 'old-pricing' });
}

// Query-only change with replace (a filter box): must not be a page view.
function Search() {
  const [sp, setSp] = useSearchParams();
  return h(
    Screen,
    { route: 'search:' + (sp.get('q') || '') },
    h('button', { id: 'b-filter', onClick: () => setSp({ q: 'b' }, { replace: true }) }, 'Filter b'),
  );
}

function Done() {
  const navigate = useNavigate();
  return h(Screen, { route: 'pricing' }, h('button', { id: 'b-buy', onClick: () => navigate('/thanks', { replace: true }) }, 'Buy'));
}

function App() {
  return h(
    BrowserRouter,
    { basename: w.RR_BASE },
    h(Nav),
    h(
      Routes,
      null,
      h(Route, { path: '/', element: h(Screen, { route: 'home' }) }),
      h(Route, { path: '/about', element: h(Screen, { route: 'about' }) }),
      h(Route, { path: '/users/:id', element: h(User) }),
      h(Route, { path: '/old-pricing', element: h(OldPricing) }),
      h(Route, { path: '/pricing', element: h(Done) }),
      h(Route, { path: '/thanks', element: h(Screen, { route: 'thanks' }) }),
      h(Route, { path: '/search', element: h(Search) }),
    ),
  );
}

createRoot(document.getElementById('root')!).render(h(App));
