import { router, type ProcedureBuilders } from '../trpc/init.js';
import type { Services } from '../services/index.js';
import { messageOutput } from '../schemas/common.js';
import {
  accountDeleteInput,
  emailChangeConfirmInput,
  emailChangeConfirmOutput,
  emailChangeInput,
} from '../schemas/account.js';

const tags = ['account'];

export function accountRouter(
  services: Services,
  { publicProcedure, authedProcedure }: ProcedureBuilders,
) {
  return router({
    changeEmail: authedProcedure
      .meta({
        rateLimit: 'confirmPassword',
        openapi: {
          method: 'POST',
          path: '/auth/email/change/',
          summary: 'Mail a confirmation link to a new address (the password confirms)',
          tags,
        },
      })
      .input(emailChangeInput)
      .output(messageOutput)
      .mutation(({ ctx, input }) =>
        services.accountLifecycle.requestEmailChange(ctx.viewer, input, ctx.request),
      ),

    confirmEmailChange: publicProcedure
      .meta({
        rateLimit: 'verifyEmail',
        openapi: {
          method: 'POST',
          path: '/auth/email/change/confirm/',
          summary: 'Change the address with the token from the link; every session ends',
          tags,
        },
      })
      .input(emailChangeConfirmInput)
      .output(emailChangeConfirmOutput)
      .mutation(({ ctx, input }) =>
        services.accountLifecycle.confirmEmailChange(input.token, ctx.request),
      ),

    delete: authedProcedure
      .meta({
        rateLimit: 'confirmPassword',
        openapi: {
          method: 'POST',
          path: '/auth/account/delete/',
          summary: 'Delete the account and its personal data (password, and a code with TOTP on)',
          tags,
        },
      })
      .input(accountDeleteInput)
      .output(messageOutput)
      .mutation(({ ctx, input }) => services.accountLifecycle.deleteOwnAccount(ctx.viewer, input)),
  });
}
