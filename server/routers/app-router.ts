/**
 * Every procedure and its guard, in one table, over the services of one app. The services are
 * closed over here, not carried in the tRPC context, so the router's type names no backend
 * type (its shape and `AppRouter` live in _app.ts, which the client SDK's types read).
 */
import type { Services } from '../services/index.js';
import { procedureBuilders, router } from '../trpc/init.js';
import { accountRouter } from './account.js';
import { activityRouter } from './activity.js';
import { adminRouter } from './admin.js';
import { authRouter } from './auth.js';
import { mfaRouter } from './mfa.js';
import { profileRouter } from './profile.js';
import { sessionsRouter } from './sessions.js';

export function createAppRouter(services: Services) {
  const builders = procedureBuilders(services);
  return router({
    auth: authRouter(services, builders),
    mfa: mfaRouter(services, builders),
    account: accountRouter(services, builders),
    profile: profileRouter(services, builders),
    sessions: sessionsRouter(services, builders),
    activity: activityRouter(services, builders),
    admin: adminRouter(services, builders),
  });
}
