/** Every procedure and its guard, in one table. */
import { router } from '../trpc/init.js';
import { activityRouter } from './activity.js';
import { adminRouter } from './admin.js';
import { authRouter } from './auth.js';
import { profileRouter } from './profile.js';
import { sessionsRouter } from './sessions.js';

export const appRouter = router({
  auth: authRouter,
  profile: profileRouter,
  sessions: sessionsRouter,
  activity: activityRouter,
  admin: adminRouter,
});

export type AppRouter = typeof appRouter;
