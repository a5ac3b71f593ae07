/**
 * A person's own sessions (one per login): listing them, ending one, ending all. Ending a
 * session revokes it in PostgreSQL and marks it in the shared cache, so its access tokens are
 * refused on their very next request, on every instance.
 */
import { AppError } from '../errors.js';
import type { LogoutAllResult, SessionList } from '../schemas/sessions.js';
import { toSessionView } from './account-views.js';
import type { Origin, Viewer } from './types.js';
import { isUuid } from '../lib/ids.js';
import type { ServiceDependencies } from './index.js';
import type { SessionService } from './session-service.js';

export type AccountSessionServiceDependencies = Pick<ServiceDependencies, 'clock'> & {
  repositories: Pick<ServiceDependencies['repositories'], 'activity'>;
};

export class AccountSessionService {
  constructor(
    private readonly deps: AccountSessionServiceDependencies,
    private readonly sessions: SessionService,
  ) {}

  async list(viewer: Viewer): Promise<SessionList> {
    const active = await this.sessions.listActive(viewer.userId);
    return { results: active.map((session) => toSessionView(session, viewer.sessionId)) };
  }

  /** Another person's session, an unknown id and an ended session all answer 404 alike. */
  async revoke(viewer: Viewer, sessionId: string, origin: Origin) {
    if (!isUuid(sessionId)) throw new AppError('NOT_FOUND');
    const id = sessionId.toLowerCase();
    const now = this.deps.clock.now();
    await this.sessions.revoke(
      { sessionId: id, userId: viewer.userId },
      'session_revoked',
      async (transaction, revoked) => {
        if (!revoked.length) throw new AppError('NOT_FOUND');
        await this.deps.repositories.activity.record(
          {
            userId: viewer.userId,
            action: 'session_revoked',
            ...origin,
            at: now,
            metadata: { session_id: id, current: id === viewer.sessionId },
          },
          transaction,
        );
      },
    );
    return {
      message:
        id === viewer.sessionId ? 'Session revoked; you have been logged out.' : 'Session revoked.',
    };
  }

  /** Every session of the caller, the current one included (and with it the presented token). */
  async logoutAll(viewer: Viewer, origin: Origin): Promise<LogoutAllResult> {
    const now = this.deps.clock.now();
    const revoked = await this.sessions.revoke(
      { userId: viewer.userId },
      'logout_all',
      async (transaction, ids) => {
        await this.deps.repositories.activity.record(
          {
            userId: viewer.userId,
            action: 'logout_all',
            ...origin,
            at: now,
            metadata: { sessions_revoked: ids.length },
          },
          transaction,
        );
      },
    );
    return { message: 'Logged out of all sessions.', sessions_revoked: revoked.length };
  }
}
