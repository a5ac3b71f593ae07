/**
 * The client SDK names procedures it treats specially (client-sdk/src/session-link.ts): the ones
 * it calls without a token, and the ones whose result it stores as the new session. Their names
 * are typed against the router (a rename fails to compile); this holds what they mean to the
 * server's own declarations, so neither side can drift; and the cookie transport's list of the
 * procedures that answer by the refresh cookie (server/http/token-cookies.ts) likewise.
 */
import { expect } from 'chai';
import type { AnyTRPCProcedure } from '@trpc/server';
import { z } from 'zod';
import { ISSUES_TOKENS, PUBLIC_PROCEDURES } from '../../client-sdk/src/session-link.js';
import { ISSUES_REFRESH } from '../../server/http/token-cookies.js';
import { routerShape as appRouter } from '../../server/routers/_app.js';
import { tokenPair } from '../../server/schemas/auth.js';
import { operationsOf } from '../../server/trpc/operations.js';

/**
 * Whether a declared output is a token pair or carries one in `tokens`, or, for a union (a
 * login that may answer with a second-factor challenge instead), whether one of its options does.
 */
function carriesTokens(output: unknown): boolean {
  if (output === tokenPair) return true;
  if (output instanceof z.ZodUnion) return output.options.some(carriesTokens);
  return output instanceof z.ZodObject && output.shape.tokens === tokenPair;
}

const returnsTokens = (procedure: AnyTRPCProcedure) =>
  carriesTokens((procedure._def as { output?: z.ZodType }).output);

describe('the SDK and the server agree', () => {
  const operations = operationsOf(appRouter);

  it('on which procedures are public: the SDK sends no token to exactly those', () => {
    const serverPublic = operations.filter((op) => op.guard === 'public').map((op) => op.path);
    expect([...PUBLIC_PROCEDURES]).to.have.members(serverPublic);
    expect(serverPublic).to.include('auth.login');
  });

  it('on which procedures issue a token pair: the SDK stores the result of exactly those', () => {
    const issuing = operations.filter((op) => returnsTokens(op.procedure)).map((op) => op.path);
    expect([...ISSUES_TOKENS]).to.have.members(issuing);
    expect(issuing).to.include.members(['auth.login', 'auth.refresh']);
  });

  it('on which procedures answer by the refresh cookie: exactly those that issue a pair', () => {
    const issuing = operations.filter((op) => returnsTokens(op.procedure)).map((op) => op.path);
    expect([...ISSUES_REFRESH]).to.have.members(issuing);
    expect(issuing).to.include('auth.loginMfa');
  });
});
