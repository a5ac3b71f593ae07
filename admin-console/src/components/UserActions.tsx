/**
 * The actions staff take on an account. Each button opens a confirmation that says exactly
 * what will happen; the page then shows the result.
 */
import type { AdminUserDetail } from '@auth-service/client';
import { useSession } from '../session';
import type { PendingAction } from './ConfirmDialog';

const sessionsPhrase = (count: number) =>
  count === 0
    ? 'no active sessions'
    : count === 1
      ? '1 active session'
      : `${count} active sessions`;

export function UserActions({
  user,
  onChoose,
}: {
  user: AdminUserDetail;
  onChoose(action: PendingAction): void;
}) {
  const { client, staff } = useSession();
  const update = (changes: { is_active?: boolean; is_staff?: boolean; is_verified?: boolean }) =>
    client.admin.updateUser.mutate({ id: user.id, ...changes });
  const sessions = user.sessions.length;

  const actions: Array<PendingAction & { button: string }> = [];
  if (user.is_active) {
    actions.push({
      button: 'Deactivate account',
      title: `Deactivate ${user.email}?`,
      consequence: `They are signed out everywhere at once (${sessionsPhrase(sessions)} end) and cannot sign in until the account is reactivated. They get an email saying so.`,
      confirmLabel: 'Deactivate account',
      danger: true,
      run: async () => {
        await update({ is_active: false });
        return `Account deactivated: ${sessionsPhrase(sessions).replace('active ', '')} ended; they cannot sign in.`;
      },
    });
  } else {
    actions.push({
      button: 'Reactivate account',
      title: `Reactivate ${user.email}?`,
      consequence:
        'They can sign in again with their current password. No ended session comes back.',
      confirmLabel: 'Reactivate account',
      run: async () => {
        await update({ is_active: true });
        return 'Account reactivated: they can sign in again.';
      },
    });
  }
  if (sessions > 0) {
    actions.push({
      button: 'End all sessions',
      title: `End every session of ${user.email}?`,
      consequence: `All ${sessionsPhrase(sessions)} end at once: they are signed out on every device and must sign in again. Their password does not change.`,
      confirmLabel: 'End all sessions',
      danger: true,
      run: async () => (await client.admin.endUserSessions.mutate({ id: user.id })).message,
    });
  }
  if (user.is_active) {
    actions.push({
      button: 'Send password-reset link',
      title: `Send a password-reset link to ${user.email}?`,
      consequence: `An email with a single-use link to choose a new password goes to ${user.email}; any earlier link stops working. Their current password keeps working until they use the link.`,
      confirmLabel: 'Send reset link',
      run: async () => (await client.admin.sendPasswordReset.mutate({ id: user.id })).message,
    });
  }
  if (!user.is_verified) {
    if (user.is_active) {
      actions.push({
        button: 'Resend verification email',
        title: `Send a new verification link to ${user.email}?`,
        consequence: `An email with a new verification link goes to ${user.email}; any earlier link stops working.`,
        confirmLabel: 'Send verification email',
        run: async () => (await client.admin.resendVerification.mutate({ id: user.id })).message,
      });
    }
    actions.push({
      button: 'Mark email verified',
      title: `Mark ${user.email} as verified?`,
      consequence:
        'The address counts as verified without the link being followed. Do this only when you know the person owns the address.',
      confirmLabel: 'Mark email verified',
      run: async () => {
        await update({ is_verified: true });
        return 'Email marked verified.';
      },
    });
  }
  if (staff?.is_superuser) {
    actions.push(
      user.is_staff
        ? {
            button: 'Remove staff access',
            title: `Remove staff access from ${user.email}?`,
            consequence:
              'They lose access to this console and the staff API at once. Their account otherwise stays as it is.',
            confirmLabel: 'Remove staff access',
            danger: true,
            run: async () => {
              await update({ is_staff: false });
              return 'Staff access removed.';
            },
          }
        : {
            button: 'Grant staff access',
            title: `Grant staff access to ${user.email}?`,
            consequence:
              'They can sign in to this console and use the staff API: see every user, end sessions, deactivate accounts and send links.',
            confirmLabel: 'Grant staff access',
            run: async () => {
              await update({ is_staff: true });
              return 'Staff access granted.';
            },
          },
    );
  }
  actions.push({
    button: 'Delete account',
    title: `Delete ${user.email} for good?`,
    consequence: `They are signed out everywhere at once (${sessionsPhrase(sessions)} end, and their tokens stop working). The account is erased with its personal data: profile, password, sessions, two-factor settings and pending links. Their activity history stays for the audit trail, with no email, name, IP address or device left in it. A last notice is mailed to ${user.email}. This cannot be undone; the address can register again.`,
    confirmLabel: 'Delete account',
    danger: true,
    leavesPage: true,
    run: async () => {
      await client.admin.deleteUser.mutate({ id: user.id });
      return `Account ${user.email} deleted: ${sessionsPhrase(sessions).replace('active ', '')} ended; its personal data is erased.`;
    },
  });

  return (
    <div className="actions">
      {actions.map(({ button, ...action }) => (
        <button
          key={button}
          type="button"
          className={action.danger ? 'button button-danger' : 'button'}
          onClick={() => onChoose(action)}
        >
          {button}
        </button>
      ))}
    </div>
  );
}
