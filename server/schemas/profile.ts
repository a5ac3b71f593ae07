import { z } from './messages.js';
import { withExamples } from './examples.js';
import { fullNameField } from './person-name.js';
import { userOutput } from './user.js';

/** Only full_name can change here; read-only fields a client sends back are dropped by zod. */
export const updateProfileInput = withExamples(z.object({ full_name: fullNameField.optional() }), {
  full_name: 'Augusta Ada King',
});

export const updateProfileResult = z.object({ message: z.string(), user: userOutput });

export type UpdateProfileInput = z.infer<typeof updateProfileInput>;
