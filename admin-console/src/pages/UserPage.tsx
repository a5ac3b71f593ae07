/**
 * One user: profile, flags, last login (when, from where, on what), active sessions, the
 * actions staff take on the account, and the activity log showing who did what.
 */
import type { AdminUserDetail, Session } from '@auth-service/client';
import { useCallback, useEffect, useState } from 'react';
import { ActivityLog } from '../components/ActivityLog';
import { ConfirmDialog, type PendingAction } from '../components/ConfirmDialog';
import { Flags } from '../components/Flags';
import { ErrorNotice, ResultNotice } from '../components/Notice';
import { SessionsTable } from '../components/SessionsTable';
import { UserActions } from '../components/UserActions';
import { describeDevice, formatDate } from '../format';
import { Link, navigate } from '../router';
import { useSession } from '../session';

export function UserPage({ userId }: { userId: string }) {
  const { client, staff } = useSession();
  const [user, setUser] = useState<AdminUserDetail | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [result, setResult] = useState<string | null>(null);
  const [pending, setPending] = useState<PendingAction | null>(null);
  const [refreshes, setRefreshes] = useState(0);

  const load = useCallback(
    () =>
      client.admin.getUser.query({ id: userId }).then(
        (detail) => {
          setUser(detail);
          setError(null);
        },
        (failure: unknown) => setError(failure),
      ),
    [client, userId],
  );

  useEffect(() => {
    void load();
  }, [load]);

  const done = (message: string) => {
    if (pending?.leavesPage) {
      // The user is gone: back to the list (replacing this page in the history), saying so.
      navigate('/', { replace: true, notice: message });
      return;
    }
    setPending(null);
    setResult(message);
    setRefreshes((count) => count + 1);
    void load();
  };

  // Staff other than superusers cannot act on a superuser's account (the API refuses too).
  const canAct = Boolean(staff && user && (staff.is_superuser || !user.is_superuser));

  const endSession = (session: Session) =>
    setPending({
      title: `End this session of ${user!.email}?`,
      consequence: `The session on ${describeDevice(session.user_agent)} (${session.ip_address ?? 'unknown address'}), signed in ${formatDate(session.created_at)}, ends at once: that device is signed out and its tokens stop working. Their other sessions and their password stay as they are.`,
      confirmLabel: 'End session',
      danger: true,
      run: async () => {
        const answer = await client.admin.endUserSession.mutate({
          id: user!.id,
          session_id: session.id,
        });
        return answer.message;
      },
    });

  return (
    <>
      <p>
        <Link to="/">← All users</Link>
      </p>
      {!user && !error && (
        <h1 tabIndex={-1} className="muted">
          Loading user…
        </h1>
      )}
      {!user && error ? <h1 tabIndex={-1}>User not available</h1> : null}
      <ErrorNotice error={error} />
      {user && (
        <>
          <h1 tabIndex={-1}>{user.email}</h1>
          <ResultNotice message={result} />
          <section aria-labelledby="profile-title" className="panel">
            <h2 id="profile-title">Profile</h2>
            <dl className="details">
              <dt>Name</dt>
              <dd>{user.full_name}</dd>
              <dt>Email</dt>
              <dd>{user.email}</dd>
              <dt>Flags</dt>
              <dd>
                <Flags user={user} />
              </dd>
              <dt>Joined</dt>
              <dd>{formatDate(user.created_at)}</dd>
              <dt>Last login</dt>
              <dd>
                {user.last_login
                  ? `${formatDate(user.last_login)} from ${user.last_login_ip ?? 'an unknown address'} on ${describeDevice(user.last_login_user_agent)}`
                  : 'Never'}
              </dd>
              <dt>Last changed</dt>
              <dd>{formatDate(user.updated_at)}</dd>
              <dt>User id</dt>
              <dd className="mono">{user.id}</dd>
            </dl>
          </section>

          <section aria-labelledby="actions-title" className="panel">
            <h2 id="actions-title">Actions</h2>
            {canAct ? (
              <UserActions user={user} onChoose={setPending} />
            ) : (
              <p>Only a superuser can act on a superuser account.</p>
            )}
          </section>

          <section aria-labelledby="sessions-title" className="panel">
            <h2 id="sessions-title">Active sessions ({user.sessions.length})</h2>
            <SessionsTable sessions={user.sessions} onEnd={endSession} canAct={canAct} />
          </section>

          <ActivityLog userId={user.id} refreshes={refreshes} />
        </>
      )}
      <ConfirmDialog action={pending} onDone={done} onCancel={() => setPending(null)} />
    </>
  );
}
