import { router, type ProcedureBuilders } from '../trpc/init.js';
import type { Services } from '../services/index.js';
import { messageOutput } from '../schemas/common.js';
import { logoutAllOutput } from '../schemas/sessions.js';
import { resendVerificationInput, verifyEmailInput } from '../schemas/verification.js';
import {
  authResult,
  changePasswordInput,
  changePasswordResult,
  forgotPasswordInput,
  loginInput,
  logoutInput,
  refreshInput,
  registerInput,
  resetPasswordInput,
  tokenPair,
} from '../schemas/auth.js';
import { loginResult, mfaLoginInput } from '../schemas/mfa.js';

const tags = ['auth'];
const COOKIE_NOTE =
  'With AUTH_COOKIES=true and no `refresh` in the body, the `refresh_token` cookie is used (see "Browsers: cookies instead of stored tokens").';
const COOKIE_ORIGIN_REFUSED = 'The refresh cookie was sent without a trusted Origin (CSRF)';

export function authRouter(
  services: Services,
  { publicProcedure, authedProcedure }: ProcedureBuilders,
) {
  return router({
    register: publicProcedure
      .meta({
        rateLimit: 'register',
        openapi: {
          method: 'POST',
          path: '/auth/register/',
          summary: 'Create an account',
          tags,
          successStatus: 201,
        },
      })
      .input(registerInput)
      .output(authResult)
      .mutation(({ ctx, input }) => services.auth.register(input, ctx.request)),

    login: publicProcedure
      .meta({
        rateLimit: 'login',
        openapi: {
          method: 'POST',
          path: '/auth/login/',
          summary: 'Log in with email and password',
          tags,
          description:
            'With TOTP on, the right password answers `{mfa_required: true, mfa_token}` instead of tokens: finish at `login/mfa/`.',
          errorResponses: { 401: 'Wrong email or password, or an inactive account' },
          errorCodes: { 401: ['AUTHENTICATION_FAILED', 'EMAIL_NOT_VERIFIED'] },
        },
      })
      .input(loginInput)
      .output(loginResult)
      .mutation(({ ctx, input }) => services.auth.login(input, ctx.request)),

    loginMfa: publicProcedure
      .meta({
        rateLimit: 'loginMfa',
        openapi: {
          method: 'POST',
          path: '/auth/login/mfa/',
          summary: 'Finish a login with TOTP on: the mfa_token and a TOTP or recovery code',
          tags,
          errorResponses: { 401: 'Wrong code' },
          errorCodes: { 401: ['AUTHENTICATION_FAILED'] },
        },
      })
      .input(mfaLoginInput)
      .output(authResult)
      .mutation(({ ctx, input }) => services.mfaLogin.complete(input, ctx.request)),

    logout: authedProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/logout/',
          summary: 'Revoke this session (and a given refresh token)',
          description: COOKIE_NOTE,
          tags,
          errorResponses: { 403: COOKIE_ORIGIN_REFUSED },
        },
      })
      .input(logoutInput)
      .output(messageOutput)
      .mutation(({ ctx, input }) => services.auth.logout(ctx.viewer, input.refresh, ctx.request)),

    logoutAll: authedProcedure
      .meta({
        openapi: {
          method: 'POST',
          path: '/auth/logout-all/',
          summary: 'Revoke every session of the caller, this one included',
          tags,
        },
      })
      .output(logoutAllOutput)
      .mutation(({ ctx }) => services.accountSessions.logoutAll(ctx.viewer, ctx.request)),

    refresh: publicProcedure
      .meta({
        rateLimit: 'refresh',
        openapi: {
          method: 'POST',
          path: '/auth/refresh/',
          summary: 'Rotate a refresh token for a new pair',
          description: COOKIE_NOTE,
          tags,
          errorResponses: {
            401: 'Refresh token invalid, expired, revoked or already used',
            403: COOKIE_ORIGIN_REFUSED,
          },
          errorCodes: { 401: ['TOKEN_INVALID'] },
        },
      })
      .input(refreshInput)
      .output(tokenPair)
      .mutation(({ ctx, input }) => services.sessions.refresh(input.refresh, ctx.request)),

    forgotPassword: publicProcedure
      .meta({
        rateLimit: 'forgotPassword',
        openapi: {
          method: 'POST',
          path: '/auth/forgot-password/',
          summary: 'Email a password reset link',
          tags,
        },
      })
      .input(forgotPasswordInput)
      .output(messageOutput)
      .mutation(({ ctx, input }) => services.passwordReset.requestReset(input.email, ctx.request)),

    resetPassword: publicProcedure
      .meta({
        rateLimit: 'resetPassword',
        openapi: {
          method: 'POST',
          path: '/auth/reset-password/',
          summary: 'Set a new password with a reset token',
          tags,
        },
      })
      .input(resetPasswordInput)
      .output(messageOutput)
      .mutation(({ ctx, input }) => services.passwordReset.resetPassword(input, ctx.request)),

    changePassword: authedProcedure
      .meta({
        rateLimit: 'changePassword',
        openapi: {
          method: 'POST',
          path: '/auth/change-password/',
          summary: 'Change the password; other sessions end',
          tags,
        },
      })
      .input(changePasswordInput)
      .output(changePasswordResult)
      .mutation(({ ctx, input }) => services.auth.changePassword(ctx.viewer, input, ctx.request)),

    verifyEmail: publicProcedure
      .meta({
        rateLimit: 'verifyEmail',
        openapi: {
          method: 'POST',
          path: '/auth/verify-email/',
          summary: 'Mark the account verified with the token from the email link',
          tags,
        },
      })
      .input(verifyEmailInput)
      .output(messageOutput)
      .mutation(({ ctx, input }) => services.emailVerification.verify(input.token, ctx.request)),

    resendVerification: authedProcedure
      .meta({
        rateLimit: 'resendVerification',
        openapi: {
          method: 'POST',
          path: '/auth/resend-verification/',
          summary: 'Email a new verification link (limited per account)',
          tags,
        },
      })
      .input(resendVerificationInput)
      .output(messageOutput)
      .mutation(({ ctx }) => services.emailVerification.resend(ctx.viewer, ctx.request)),
  });
}
