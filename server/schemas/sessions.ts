import { z } from './messages.js';
import { EXAMPLE, withExamples } from './examples.js';
import { timestamp } from './common.js';

export const sessionOutput = z
  .object({
    id: z.uuid(),
    created_at: timestamp,
    last_used_at: timestamp.meta({ description: 'Updated whenever the session is refreshed.' }),
    expires_at: timestamp,
    ip_address: z.string().nullable(),
    user_agent: z.string().nullable(),
    current: z.boolean().meta({ description: 'True for the session of the presented token.' }),
  })
  .meta({ id: 'Session' });

export const sessionListOutput = z.object({ results: z.array(sessionOutput) });

/** Any string: an id that is not a UUID is simply not one of the caller's sessions (404). */
export const sessionIdInput = withExamples(z.object({ id: z.string().max(64) }), {
  id: EXAMPLE.sessionId,
});

export const logoutAllOutput = z.object({ message: z.string(), sessions_revoked: z.number() });

export type SessionView = z.infer<typeof sessionOutput>;
export type SessionList = z.infer<typeof sessionListOutput>;
export type LogoutAllResult = z.infer<typeof logoutAllOutput>;
