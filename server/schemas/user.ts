import { z } from './messages.js';
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
  .meta({ id: 'User' });

export type UserView = z.infer<typeof userOutput>;
