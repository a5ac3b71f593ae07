/**
 * A small API of a team that uses auth-service: its notes are private to the signed-in user.
 * The route trusts no token by itself: it asks auth-service who the token belongs to, so a
 * logout, a revoked session or a deactivated account takes effect on the very next request.
 */
import Koa from 'koa';

export interface NotesApiOptions {
  /** auth-service's base URL, e.g. `https://auth.example.com`. */
  authUrl: string;
}

interface Viewer {
  id: string;
  email: string;
}

async function viewerOf(
  authUrl: string,
  authorization: string | undefined,
): Promise<Viewer | null> {
  if (!authorization?.startsWith('Bearer ')) return null;
  const answer = await fetch(`${authUrl}/api/auth/profile/`, { headers: { authorization } });
  if (answer.status === 401) return null;
  if (!answer.ok) throw new Error(`auth-service answered ${answer.status}`);
  return (await answer.json()) as Viewer;
}

export function createNotesApi(options: NotesApiOptions): Koa {
  const notes = new Map<string, string[]>();
  const app = new Koa();
  app.use(async (ctx) => {
    const viewer = await viewerOf(options.authUrl, ctx.get('authorization') || undefined);
    if (!viewer) {
      ctx.status = 401;
      ctx.body = { detail: 'Sign in first.' };
      return;
    }
    if (ctx.method === 'GET' && ctx.path === '/notes') {
      ctx.body = { owner: viewer.email, notes: notes.get(viewer.id) ?? [] };
      return;
    }
    ctx.status = 404;
  });
  return app;
}
