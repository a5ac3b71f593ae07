/**
 * A router for the console's few pages, on the History API. Paths live under the base the
 * service serves the console at (/admin/); the service answers index.html for all of them.
 */
import { useEffect, useState, type AnchorHTMLAttributes, type MouseEvent } from 'react';

export const BASE = import.meta.env.BASE_URL.replace(/\/$/, '');

export interface Location {
  /** The path below the base, e.g. `/users/…`. */
  path: string;
  query: URLSearchParams;
  /** A sentence the page arrived with (what the last page did), kept in this history entry. */
  notice: string | null;
}

const noticeOf = (state: unknown): string | null =>
  typeof state === 'object' &&
  state !== null &&
  'notice' in state &&
  typeof state.notice === 'string'
    ? state.notice
    : null;

function current(): Location {
  const path = window.location.pathname.startsWith(BASE)
    ? window.location.pathname.slice(BASE.length) || '/'
    : '/';
  return {
    path,
    query: new URLSearchParams(window.location.search),
    notice: noticeOf(window.history.state),
  };
}

const listeners = new Set<() => void>();

/** `notice`: a result for the next page to show, e.g. after the page's own subject is gone. */
export function navigate(to: string, options: { replace?: boolean; notice?: string } = {}) {
  const url = `${BASE}${to}`;
  const state = options.notice ? { notice: options.notice } : null;
  if (options.replace) window.history.replaceState(state, '', url);
  else window.history.pushState(state, '', url);
  for (const listener of listeners) listener();
}

export function useLocation(): Location {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return location;
}

/** An ordinary link (open in a new tab works) that navigates in place on a plain click. */
export function Link({ to, ...props }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey)
      return;
    event.preventDefault();
    navigate(to);
  };
  return <a href={`${BASE}${to}`} onClick={onClick} {...props} />;
}
