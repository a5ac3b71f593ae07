/**
 * The staff API over accounts. Rules, each enforced here and not in the router:
 * - only a superuser grants or removes `is_staff`, or changes a superuser's account at all;
 * - the last active superuser cannot be deactivated or demoted (superuser-guard.ts);
 * - deactivating revokes every session of the account in the same transaction, then marks them
 *   in the cache, so the account's access tokens are refused on their very next request;
 * - every change is recorded in the target's activity log with `admin_id` in the metadata.
 */
import { AppError } from '../errors.js';
import type { DbTransaction, UserRecord } from '../repositories/index.js';
import type { UserChanges } from '../repositories/users.js';
import type { ActivityListInput } from '../schemas/activity.js';
import { encodeCursor } from '../schemas/cursor.js';
import type {
  AdminUserDetailView,
  AdminUserListInput,
  AdminUserUpdateInput,
} from '../schemas/admin.js';
import type { ActivityLogs } from './activity-service.js';
import { toAdminActivityView, toAdminUserView, toSessionView } from './account-views.js';
import type { AdminService, RequestOrigin, StaffMember, Viewer } from './contracts.js';
import { isUuid } from './ids.js';
import type { ServiceDependencies } from './dependencies.js';
import type { SessionManager } from './session-service.js';
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
    const { users, next } = await this.deps.repositories.userDirectory.search({
      limit: query.limit,
      after: query.cursor,
      text: query.search || undefined,
      isActive: query.is_active,
      isStaff: query.is_staff,
      isVerified: query.is_verified,
    });
    return {
      results: users.map(toAdminUserView),
      next_cursor: next ? encodeCursor('users', next) : null,
    };
  }

  async getUser(viewer: Viewer, userId: string): Promise<AdminUserDetailView> {
    return this.detail(await this.requireUser(userId), viewer);
  }

  async userActivity(userId: string, query: ActivityListInput) {
    const user = await this.requireUser(userId);
    return this.activity.page(user.id, query, toAdminActivityView);
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
    if (staff.isSuperuser) return;
    if ('isStaff' in changes) {
      throw new AppError('PERMISSION_DENIED', {
        detail: 'Only a superuser can grant or remove staff status.',
      });
    }
    if (target.isSuperuser) {
      throw new AppError('PERMISSION_DENIED', {
        detail: 'Only a superuser can change a superuser account.',
      });
    }
  }

  /**
   * In the target's log, with the acting administrator in the metadata. The entry's own IP and
   * user agent stay empty: the target reads this log, and another person's address is never shown
   * to them; staff find the administrator's in the metadata.
   */
  private async record(
    target: UserRecord,
    changes: UserChanges,
    staff: StaffMember,
    origin: RequestOrigin,
    sessionsRevoked: number,
    transaction: DbTransaction,
  ) {
    const { activity } = this.deps.repositories;
    const base = {
      userId: target.id,
      ip: null,
      userAgent: null,
      at: this.deps.clock.now(),
    };
    const admin = { admin_id: staff.userId, admin_ip: origin.ip };
    const { isActive, ...others } = changes;
    if (isActive === false) {
      await activity.record(
        {
          ...base,
          action: 'account_deactivated',
          metadata: { ...admin, sessions_revoked: sessionsRevoked },
        },
        transaction,
      );
    }
    const fields = Object.keys(isActive === true ? changes : others) as Array<keyof UserChanges>;
    if (!fields.length) return;
    await activity.record(
      {
        ...base,
        action: 'profile_update',
        metadata: {
          ...admin,
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
    const sessions = await this.sessions.listActive(user.id);
    return {
      ...toAdminUserView(user),
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
