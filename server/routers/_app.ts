/** Every procedure and its guard, in one table. */
import { router } from '../trpc/init.js';
import { authRouter } from './auth.js';
import { profileRouter } from './profile.js';

export const appRouter = router({
  auth: authRouter,
  profile: profileRouter,
});

export type AppRouter = typeof appRouter;
