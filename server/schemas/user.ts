import { z } from './messages.js';
import { EXAMPLE } from './examples.js';
import { timestamp } from './common.js';

export const userOutput = z
  .object({
    id: z.uuid(),
    email: z.string(),
    full_name: z.string(),
    is_verified: z.boolean(),
    is_staff: z.boolean(),
    created_at: timestamp,
    last_login: timestamp.nullable(),
  })
  .meta({
    id: 'User',
    // As REST answers it (tRPC carries the times as Dates).
    examples: [
      {
        id: EXAMPLE.userId,
        email: EXAMPLE.email,
        full_name: 'Ada Lovelace',
        is_verified: true,
        is_staff: false,
        created_at: '2026-01-15T09:30:00.000Z',
        last_login: '2026-03-02T18:04:12.345Z',
      },
    ],
  });

export type UserView = z.infer<typeof userOutput>;
