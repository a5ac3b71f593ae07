/** Records to the wire shapes of sessions, activity entries and the staff view of a user. */
import type { ActivityRecord, SessionRecord, UserRecord } from '../repositories/index.js';
import type { ActivityEntryView, AdminActivityEntryView } from '../schemas/activity.js';
import type { AdminUserView } from '../schemas/admin.js';
import type { SessionView } from '../schemas/sessions.js';
import { toUserView } from './user-view.js';

export const toSessionView = (session: SessionRecord, currentSessionId: string): SessionView => ({
  id: session.id,
  created_at: session.createdAt,
  last_used_at: session.lastUsedAt,
  expires_at: session.expiresAt,
  ip_address: session.ipAddress,
  user_agent: session.userAgent,
  current: session.id === currentSessionId,
});

export const toActivityView = (entry: ActivityRecord): ActivityEntryView => ({
  id: entry.id,
  action: entry.action,
  ip_address: entry.ipAddress,
  user_agent: entry.userAgent,
  created_at: entry.createdAt,
});

/** The account an id in the metadata names, with its email when the read looked it up. */
function accountIn(id: unknown, email: string | null | undefined) {
  return typeof id === 'string' ? { id, email: email ?? null } : null;
}

export const toAdminActivityView = (entry: ActivityRecord): AdminActivityEntryView => ({
  ...toActivityView(entry),
  metadata: entry.metadata,
  actor: accountIn(entry.metadata.admin_id, entry.actorEmail),
  target: accountIn(entry.metadata.target_id, entry.targetEmail),
});

export const toAdminUserView = (user: UserRecord): AdminUserView => ({
  ...toUserView(user),
  is_active: user.isActive,
  is_superuser: user.isSuperuser,
  last_login_ip: user.lastLoginIp,
  updated_at: user.updatedAt,
});
