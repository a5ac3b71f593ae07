/**
 * The staff API over accounts: finding users, reading one with its sessions and log, and
 * changing one, which is the account service's operation (account-service.ts: who may change
 * what, the last-superuser rule, what a deactivation ends, both activity logs).
 */
import { AppError } from '../errors.js';
import type { UserRecord } from '../repositories/index.js';
import type { ActivityListInput } from '../schemas/activity.js';
import { encodeCursor } from '../schemas/cursor.js';
import {
  USERS_CURSOR_KIND,
  type AdminUserDetailView,
  type AdminUserListInput,
  type AdminUserUpdateInput,
} from '../schemas/admin.js';
import type { AccountService } from './account-service.js';
import { toAdminActivityView, toAdminUserView, toSessionView } from './account-views.js';
import type { ActivityService } from './activity-service.js';
import type { ServiceDependencies } from './index.js';
import type { SessionService } from './session-service.js';
import type { Origin, StaffMember, Viewer } from './types.js';

export type AdminServiceDependencies = {
  repositories: Pick<ServiceDependencies['repositories'], 'users' | 'activity'>;
};

export class AdminService {
  constructor(
    private readonly deps: AdminServiceDependencies,
    private readonly sessions: SessionService,
    private readonly activity: ActivityService,
    private readonly accounts: AccountService,
  ) {}

  async listUsers(query: AdminUserListInput) {
    const { users, next, total } = await this.deps.repositories.users.search({
      limit: query.limit,
      after: query.cursor,
      text: query.search || undefined,
      isActive: query.is_active,
      isStaff: query.is_staff,
      isVerified: query.is_verified,
      sortBy: query.ordering.endsWith('last_login') ? 'last_login' : 'created_at',
      ascending: !query.ordering.startsWith('-'),
    });
    return {
      results: users.map(toAdminUserView),
      next_cursor: next ? encodeCursor(USERS_CURSOR_KIND[query.ordering], next) : null,
      count: total,
    };
  }

  async getUser(viewer: Viewer, userId: string): Promise<AdminUserDetailView> {
    return this.detail(await this.requireUser(userId), viewer);
  }

  async userActivity(userId: string, query: ActivityListInput) {
    const user = await this.requireUser(userId);
    return this.activity.page(user.id, query, toAdminActivityView, { withAccounts: true });
  }

  async updateUser(
    staff: StaffMember,
    viewer: Viewer,
    input: AdminUserUpdateInput,
    origin: Origin,
  ) {
    const { user } = await this.accounts.update(
      input.id,
      {
        isActive: input.is_active,
        isStaff: input.is_staff,
        isVerified: input.is_verified,
        fullName: input.full_name,
      },
      { kind: 'staff', staff, origin },
    );
    return { message: 'User updated successfully.', user: await this.detail(user, viewer) };
  }

  private async requireUser(userId: string): Promise<UserRecord> {
    const user = await this.deps.repositories.users.findById(userId);
    if (!user) throw new AppError('NOT_FOUND');
    return user;
  }

  private async detail(user: UserRecord, viewer: Viewer): Promise<AdminUserDetailView> {
    const [sessions, lastLogin] = await Promise.all([
      this.sessions.listActive(user.id),
      // The device of the last login is on its activity entry (the user row keeps only the IP).
      this.deps.repositories.activity.page(user.id, { limit: 1, actions: ['login'] }),
    ]);
    return {
      ...toAdminUserView(user),
      last_login_user_agent: lastLogin.entries[0]?.userAgent ?? null,
      sessions: sessions.map((session) => toSessionView(session, viewer.sessionId)),
    };
  }
}
