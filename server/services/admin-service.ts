/**
 * The staff API over accounts. Rules, each enforced here and not in the router:
 * - only a superuser grants or removes `is_staff`, or changes a superuser's account at all;
 * - the last active superuser cannot be deactivated or demoted (superuser-guard.ts);
 * - deactivating revokes every session of the account in the same transaction, then marks them
 *   in the cache, so the account's access tokens are refused on their very next request;
 * - every change is recorded in the target's activity log and the staff member's own
 *   (staff-activity.ts).
 */
import { AppError } from '../errors.js';
import type { DbTransaction, UserRecord } from '../repositories/index.js';
import type { UserChanges } from '../repositories/users.js';
import type { ActivityListInput } from '../schemas/activity.js';
import { encodeCursor } from '../schemas/cursor.js';
import {
  USERS_CURSOR_KIND,
  type AdminUserDetailView,
  type AdminUserListInput,
  type AdminUserUpdateInput,
} from '../schemas/admin.js';
import type { ActivityLogs } from './activity-service.js';
import { toAdminActivityView, toAdminUserView, toSessionView } from './account-views.js';
import type { AdminService, RequestOrigin, StaffMember, Viewer } from './contracts.js';
import { isUuid } from './ids.js';
import type { ServiceDependencies } from './dependencies.js';
import type { SessionManager } from './session-service.js';
import { assertMayActOn, recordStaffAction } from './staff-activity.js';
import { assertNotLastSuperuser, lockSuperusers, mayRemoveSuperuser } from './superuser-guard.js';

const FIELD_NAMES: Record<keyof UserChanges, string> = {
  fullName: 'full_name',
  passwordHash: 'password',
  isActive: 'is_active',
  isStaff: 'is_staff',
  isSuperuser: 'is_superuser',
  isVerified: 'is_verified',
  lastLogin: 'last_login',
  lastLoginIp: 'last_login_ip',
};

export class Administration implements AdminService {
  constructor(
    private readonly deps: ServiceDependencies,
    private readonly sessions: SessionManager,
    private readonly activity: ActivityLogs,
  ) {}

  async listUsers(query: AdminUserListInput) {
    const { users, next, total } = await this.deps.repositories.userDirectory.search({
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
    origin: RequestOrigin,
  ) {
    if (!isUuid(input.id)) throw new AppError('NOT_FOUND');
    const { repositories } = this.deps;
    const requested: UserChanges = {
      ...(input.is_active !== undefined ? { isActive: input.is_active } : {}),
      ...(input.is_staff !== undefined ? { isStaff: input.is_staff } : {}),
      ...(input.is_verified !== undefined ? { isVerified: input.is_verified } : {}),
      ...(input.full_name !== undefined ? { fullName: input.full_name } : {}),
    };
    let revokedSessionIds: string[] = [];
    const user = await repositories.transaction(async (transaction) => {
      // Superusers first, then the target: every such transaction locks in the same order.
      const superuserIds = mayRemoveSuperuser(requested)
        ? await lockSuperusers(repositories, transaction)
        : [];
      const target = await repositories.userDirectory.findForUpdate(input.id, transaction);
      if (!target) throw new AppError('NOT_FOUND');
      const changes = onlyChanged(target, requested);
      if (!Object.keys(changes).length) return target;
      this.authorise(staff, target, changes);
      assertNotLastSuperuser(target, changes, superuserIds);

      const updated = (await repositories.users.update(target.id, changes, transaction))!;
      if (changes.isActive === false) {
        revokedSessionIds = await repositories.sessions.revoke(
          { userId: target.id },
          'account_deactivated',
          this.deps.clock.now(),
          transaction,
        );
        // Enqueued with the change: the person learns of it even if their sessions were stolen.
        await this.deps.mailer.sendAccountDeactivated(
          { to: target.email, at: this.deps.clock.now() },
          { transaction },
        );
      }
      await this.record(target, changes, staff, origin, revokedSessionIds.length, transaction);
      return updated;
    });
    await this.sessions.markRevoked(revokedSessionIds);
    return { message: 'User updated successfully.', user: await this.detail(user, viewer) };
  }

  private authorise(staff: StaffMember, target: UserRecord, changes: UserChanges) {
    if ('isStaff' in changes && !staff.isSuperuser) {
      throw new AppError('PERMISSION_DENIED', {
        detail: 'Only a superuser can grant or remove staff status.',
      });
    }
    assertMayActOn(staff, target);
  }

  /** A deactivation, and any other change of fields, each in both logs (staff-activity.ts). */
  private async record(
    target: UserRecord,
    changes: UserChanges,
    staff: StaffMember,
    origin: RequestOrigin,
    sessionsRevoked: number,
    transaction: DbTransaction,
  ) {
    const { repositories, clock } = this.deps;
    const base = { staff, origin, target, at: clock.now() };
    const { isActive, ...others } = changes;
    if (isActive === false) {
      await recordStaffAction(
        repositories,
        { ...base, action: 'account_deactivated', metadata: { sessions_revoked: sessionsRevoked } },
        transaction,
      );
    }
    const fields = Object.keys(isActive === true ? changes : others) as Array<keyof UserChanges>;
    if (!fields.length) return;
    await recordStaffAction(
      repositories,
      {
        ...base,
        action: 'profile_update',
        metadata: {
          fields: fields.map((field) => FIELD_NAMES[field]),
          changes: Object.fromEntries(
            fields.map((field) => [
              FIELD_NAMES[field],
              { from: target[field], to: changes[field] },
            ]),
          ),
        },
      },
      transaction,
    );
  }

  private async requireUser(userId: string): Promise<UserRecord> {
    const user = isUuid(userId) ? await this.deps.repositories.users.findById(userId) : null;
    if (!user) throw new AppError('NOT_FOUND');
    return user;
  }

  private async detail(user: UserRecord, viewer: Viewer): Promise<AdminUserDetailView> {
    const [sessions, lastLogin] = await Promise.all([
      this.sessions.listActive(user.id),
      // The device of the last login is on its activity entry (the user row keeps only the IP).
      this.deps.repositories.activityPages.listForUser(user.id, { limit: 1, actions: ['login'] }),
    ]);
    return {
      ...toAdminUserView(user),
      last_login_user_agent: lastLogin.entries[0]?.userAgent ?? null,
      sessions: sessions.map((session) => toSessionView(session, viewer.sessionId)),
    };
  }
}

function onlyChanged(target: UserRecord, requested: UserChanges): UserChanges {
  return Object.fromEntries(
    Object.entries(requested).filter(
      ([field, value]) => target[field as keyof UserChanges] !== value,
    ),
  ) as UserChanges;
}
