import { router, type ProcedureBuilders } from '../trpc/init.js';
import type { Services } from '../services/index.js';
import { messageOutput } from '../schemas/common.js';
import {
  mfaStatusOutput,
  passwordConfirmationInput,
  recoveryCodesOutput,
  totpConfirmInput,
  totpConfirmOutput,
  totpDisableInput,
  totpSetupOutput,
} from '../schemas/mfa.js';

const tags = ['mfa'];

export function mfaRouter(services: Services, { authedProcedure }: ProcedureBuilders) {
  return router({
    status: authedProcedure
      .meta({
        openapi: {
          method: 'GET',
          path: '/auth/mfa/',
          summary: 'Whether TOTP is on, and how many recovery codes are left',
          tags,
        },
      })
      .output(mfaStatusOutput)
      .query(({ ctx }) => services.mfa.status(ctx.viewer)),

    totpSetup: authedProcedure
      .meta({
        rateLimit: 'confirmPassword',
        openapi: {
          method: 'POST',
          path: '/auth/mfa/totp/setup/',
          summary: 'A new TOTP secret (not on until confirmed with a code)',
          tags,
        },
      })
      .input(passwordConfirmationInput)
      .output(totpSetupOutput)
      .mutation(({ ctx, input }) => services.mfa.setup(ctx.viewer, input.password)),

    totpConfirm: authedProcedure
      .meta({
        rateLimit: 'secondFactor',
        openapi: {
          method: 'POST',
          path: '/auth/mfa/totp/confirm/',
          summary: 'Turn TOTP on with a first code; answers the recovery codes, once',
          tags,
        },
      })
      .input(totpConfirmInput)
      .output(totpConfirmOutput)
      .mutation(({ ctx, input }) => services.mfa.confirm(ctx.viewer, input.code, ctx.request)),

    totpDisable: authedProcedure
      .meta({
        rateLimit: 'confirmPassword',
        openapi: {
          method: 'POST',
          path: '/auth/mfa/totp/disable/',
          summary: 'Turn TOTP off (password and a code)',
          tags,
        },
      })
      .input(totpDisableInput)
      .output(messageOutput)
      .mutation(({ ctx, input }) => services.mfa.disable(ctx.viewer, input, ctx.request)),

    recoveryCodes: authedProcedure
      .meta({
        rateLimit: 'confirmPassword',
        openapi: {
          method: 'POST',
          path: '/auth/mfa/recovery-codes/',
          summary: 'A new set of recovery codes; the old ones stop working',
          tags,
        },
      })
      .input(passwordConfirmationInput)
      .output(recoveryCodesOutput)
      .mutation(({ ctx, input }) =>
        services.mfa.regenerateRecoveryCodes(ctx.viewer, input.password, ctx.request),
      ),
  });
}
