/**
 * A procedure that takes a password hashes it, and the limits that keep hashing affordable
 * (the account lock, one hash per request) follow from its declaration (trpc/rate-limit.ts).
 * This holds that line for every procedure, including the ones added later.
 */
import { expect } from 'chai';
import type { AnyTRPCProcedure } from '@trpc/server';
import { z } from 'zod';
import { routerShape as appRouter } from '../../server/routers/_app.js';
import type { RouteMeta } from '../../server/trpc/context.js';
import { passwordUse } from '../../server/trpc/rate-limit.js';

/** The field names of a procedure's input object, through optional/default wrappers. */
function inputFields(procedure: AnyTRPCProcedure): string[] {
  const fields: string[] = [];
  for (const schema of procedure._def.inputs as z.ZodType[]) {
    let current: z.ZodType = schema;
    while (current instanceof z.ZodOptional || current instanceof z.ZodDefault) {
      current = current.unwrap() as z.ZodType;
    }
    if (current instanceof z.ZodObject) fields.push(...Object.keys(current.shape));
  }
  return fields;
}

describe('procedures that take a password', () => {
  const procedures = Object.entries(
    appRouter._def.procedures as unknown as Record<string, AnyTRPCProcedure>,
  );

  it('each declare that they check or set one, so their limits follow', () => {
    const undeclared = procedures
      .filter(([, procedure]) => inputFields(procedure).some((field) => /password/.test(field)))
      .filter(([, procedure]) => !passwordUse(procedure._def.meta as RouteMeta | undefined))
      .map(([path]) => path);
    expect(undeclared).to.deep.equal([]);
  });

  it('are found by the check above (it is not vacuous)', () => {
    const withPassword = procedures
      .filter(([, procedure]) => inputFields(procedure).some((field) => /password/.test(field)))
      .map(([path]) => path);
    expect(withPassword).to.include.members([
      'auth.login',
      'auth.register',
      'auth.changePassword',
      'auth.resetPassword',
    ]);
  });
});
