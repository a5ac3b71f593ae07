import { Component, useEffect, useRef, type ReactNode } from 'react';
import { SignInPage } from './pages/SignInPage';
import { UserPage } from './pages/UserPage';
import { UsersPage } from './pages/UsersPage';
import { Link, useLocation } from './router';
import { SessionProvider, useSession } from './session';

export function App() {
  return (
    <CrashBoundary>
      <SessionProvider>
        <Shell />
      </SessionProvider>
    </CrashBoundary>
  );
}

function Shell() {
  const { staff, resuming, signOut } = useSession();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);

  // A new page moves focus to its heading, so keyboard and screen-reader users start there.
  useEffect(() => {
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [location.path, staff, resuming]);

  const userMatch = /^\/users\/([^/]+)\/?$/.exec(location.path);
  let page: ReactNode;
  if (resuming)
    page = (
      <h1 tabIndex={-1} className="muted">
        Resuming your session…
      </h1>
    );
  else if (!staff) page = <SignInPage />;
  else if (location.path === '/' || location.path === '/users' || location.path === '/users/')
    page = <UsersPage query={location.query} notice={location.notice} />;
  else if (userMatch)
    page = <UserPage key={userMatch[1]} userId={decodeURIComponent(userMatch[1]!)} />;
  else page = <NotFound />;

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">auth-service · Admin</span>
        {staff && (
          <nav aria-label="Console">
            <Link to="/">Users</Link>
            <span className="who">
              Signed in as {staff.email}
              {staff.is_superuser ? ' (superuser)' : ' (staff)'}
            </span>
            <button type="button" className="button" onClick={() => void signOut()}>
              Sign out
            </button>
          </nav>
        )}
      </header>
      <main id="main" ref={main}>
        {page}
      </main>
    </>
  );
}

function NotFound() {
  return (
    <>
      <h1 tabIndex={-1}>Page not found</h1>
      <p>
        There is no such page in the console. <Link to="/">Go to the users list.</Link>
      </p>
    </>
  );
}

/** A rendering error shows a sentence and a way out, never a blank page. */
class CrashBoundary extends Component<{ children: ReactNode }, { crashed: boolean }> {
  override state = { crashed: false };

  static getDerivedStateFromError() {
    return { crashed: true };
  }

  override render() {
    if (!this.state.crashed) return this.props.children;
    return (
      <main id="main">
        <h1>Something went wrong in the console</h1>
        <p role="alert">
          The page could not be shown. Reload it to sign in again; if it keeps happening, tell
          whoever runs the service.
        </p>
        <button type="button" className="button" onClick={() => window.location.reload()}>
          Reload the page
        </button>
      </main>
    );
  }
}
