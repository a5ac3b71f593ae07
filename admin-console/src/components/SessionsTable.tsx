import type { Session } from '@auth-service/client';
import { describeDevice, formatDate } from '../format';

/** A user's active sessions (one per login), each with a button that ends it. */
export function SessionsTable({
  sessions,
  onEnd,
  canAct,
}: {
  sessions: Session[];
  onEnd(session: Session): void;
  canAct: boolean;
}) {
  if (!sessions.length) return <p>No active sessions: the user is signed out everywhere.</p>;
  return (
    <div className="table-scroll" role="region" aria-label="Active sessions" tabIndex={0}>
      <table>
        <caption className="visually-hidden">Active sessions, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Device</th>
            <th scope="col">IP address</th>
            <th scope="col">Signed in</th>
            <th scope="col">Last used</th>
            {canAct && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => (
            <tr key={session.id}>
              <td title={session.user_agent ?? undefined}>{describeDevice(session.user_agent)}</td>
              <td>{session.ip_address ?? 'Unknown'}</td>
              <td>{formatDate(session.created_at)}</td>
              <td>{formatDate(session.last_used_at)}</td>
              {canAct && (
                <td>
                  <button
                    type="button"
                    className="button button-small"
                    aria-label={`End session on ${describeDevice(session.user_agent)}, signed in ${formatDate(session.created_at)}`}
                    onClick={() => onEnd(session)}
                  >
                    End session
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
