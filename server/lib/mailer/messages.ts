/**
 * Every message the service sends, in one table: what its outbox row stores (the payload, plain
 * JSON, validated again when it is sent), how that becomes template data, and which links each
 * message must carry (checked at start-up, so a template that loses its button stops the start).
 *
 * Template data holds no text a user wrote. Anyone can register with another person's address,
 * so a name (or anything else a client chose) in a mail could pass for the service's own words:
 * mails greet generically, and the one request detail they show, the device of a password
 * change, is named from a fixed list (device.ts). Payloads of rows written before this rule
 * may still hold a `fullName`; the schemas drop it unread.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { describeDevice } from './device.js';

export const EMAIL_KINDS = [
  'welcome',
  'email_verification',
  'password_reset',
  'password_changed',
  'email_verified',
  'account_deactivated',
  'mfa_enabled',
  'mfa_disabled',
  'recovery_code_used',
  'email_change_requested',
  'email_change_confirmation',
  'email_changed',
  'account_deleted',
] as const;

export type EmailKind = (typeof EMAIL_KINDS)[number];

const isoTime = z.iso.datetime({ offset: true });

export const PAYLOAD_SCHEMAS = {
  welcome: z.object({
    verifyUrl: z.string().nullable(),
    verifyExpiresInHours: z.number().nullable(),
  }),
  email_verification: z.object({
    verifyUrl: z.string(),
    verifyExpiresInHours: z.number(),
  }),
  password_reset: z.object({ resetUrl: z.string(), expiresInMinutes: z.number() }),
  password_changed: z.object({
    at: isoTime,
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
  }),
  email_verified: z.object({}),
  account_deactivated: z.object({ at: isoTime }),
  mfa_enabled: z.object({ at: isoTime }),
  mfa_disabled: z.object({ at: isoTime }),
  recovery_code_used: z.object({ at: isoTime }),
  email_change_requested: z.object({ at: isoTime }),
  email_change_confirmation: z.object({ confirmUrl: z.string(), expiresInMinutes: z.number() }),
  email_changed: z.object({ at: isoTime }),
  account_deleted: z.object({ at: isoTime }),
} satisfies Record<EmailKind, z.ZodType>;

export type EmailPayloads = { [K in EmailKind]: z.infer<(typeof PAYLOAD_SCHEMAS)[K]> };

/** Product-wide values every template can use (APP_NAME, SUPPORT_EMAIL, FRONTEND_URL). */
export interface Brand {
  appName: string;
  supportEmail: string;
  frontendUrl: string;
}

export type TemplateData = Record<string, string | number | boolean | null>;

/** "3 days", "1 hour", "45 minutes": how long a link lives, in words. */
function describeDuration(minutes: number): string {
  const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;
  if (minutes >= 24 * 60 && minutes % (24 * 60) === 0) return plural(minutes / (24 * 60), 'day');
  if (minutes >= 60 && minutes % 60 === 0) return plural(minutes / 60, 'hour');
  return plural(Math.max(1, Math.round(minutes)), 'minute');
}

const timeFormat = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'UTC',
  dateStyle: 'long',
  timeStyle: 'short',
});

/** "25 November 2026 at 10:05 UTC": unambiguous for a reader anywhere. */
const describeTime = (iso: string): string => `${timeFormat.format(new Date(iso))} UTC`;

/** Template data for one message: the brand, the payload, and what the templates derive from it. */
export function templateData<K extends EmailKind>(
  kind: K,
  payload: EmailPayloads[K],
  brand: Brand,
): TemplateData {
  const base: TemplateData = {
    appName: brand.appName,
    supportEmail: brand.supportEmail,
    frontendUrl: brand.frontendUrl,
  };
  const data = payload as EmailPayloads[EmailKind] & Record<string, unknown>;
  switch (kind) {
    case 'welcome':
    case 'email_verification': {
      const message = data as EmailPayloads['welcome'];
      return {
        ...base,
        verifyUrl: message.verifyUrl,
        expiresIn: describeDuration((message.verifyExpiresInHours ?? 72) * 60),
      };
    }
    case 'password_reset': {
      const message = data as EmailPayloads['password_reset'];
      return {
        ...base,
        resetUrl: message.resetUrl,
        expiresIn: describeDuration(message.expiresInMinutes),
      };
    }
    case 'password_changed': {
      const message = data as EmailPayloads['password_changed'];
      return {
        ...base,
        when: describeTime(message.at),
        // Only an address is shown as one; the device is named from a fixed list, never quoted.
        ip: message.ip && isIP(message.ip) ? message.ip : 'an unknown address',
        device: describeDevice(message.userAgent),
        // "Not you?": the way back in is a reset, which also ends every session.
        resetUrl: `${brand.frontendUrl}/forgot-password`,
      };
    }
    case 'email_verified':
      return { ...base, loginUrl: `${brand.frontendUrl}/login` };
    case 'account_deactivated': {
      const message = data as EmailPayloads['account_deactivated'];
      return {
        ...base,
        when: describeTime(message.at),
        supportUrl: `mailto:${brand.supportEmail}`,
      };
    }
    case 'mfa_enabled':
    case 'mfa_disabled':
    case 'recovery_code_used':
    case 'email_change_requested':
    case 'email_changed': {
      const message = data as EmailPayloads['mfa_enabled'];
      // "Not you?": a reset ends every session and takes the account back.
      return {
        ...base,
        when: describeTime(message.at),
        resetUrl: `${brand.frontendUrl}/forgot-password`,
      };
    }
    case 'email_change_confirmation': {
      const message = data as EmailPayloads['email_change_confirmation'];
      return {
        ...base,
        confirmUrl: message.confirmUrl,
        expiresIn: describeDuration(message.expiresInMinutes),
      };
    }
    case 'account_deleted': {
      const message = data as EmailPayloads['account_deleted'];
      return {
        ...base,
        when: describeTime(message.at),
        supportUrl: `mailto:${brand.supportEmail}`,
      };
    }
    default:
      throw new Error(`unknown email kind "${String(kind)}"`);
  }
}

/** The template data fields each message must show as a link, in both its parts. */
export const REQUIRED_LINKS: Record<EmailKind, string[]> = {
  welcome: ['verifyUrl'],
  email_verification: ['verifyUrl'],
  password_reset: ['resetUrl'],
  password_changed: ['resetUrl'],
  email_verified: ['loginUrl'],
  account_deactivated: ['supportEmail'],
  mfa_enabled: ['resetUrl'],
  mfa_disabled: ['resetUrl'],
  recovery_code_used: ['resetUrl'],
  email_change_requested: ['resetUrl'],
  email_change_confirmation: ['confirmUrl'],
  email_changed: ['resetUrl'],
  account_deleted: ['supportEmail'],
};

/** Where each message's templates live: `<base>.subject.hbs`, `<base>.html.hbs`, `<base>.text.hbs`. */
export const templateBaseName = (kind: EmailKind): string => kind.replace(/_/g, '-');

/** Sample data for the start-up check and `npm run email:preview`. */
export const SAMPLE_PAYLOADS: EmailPayloads = {
  welcome: {
    verifyUrl: 'https://app.example.com/verify-email?token=sample-verification-token',
    verifyExpiresInHours: 72,
  },
  email_verification: {
    verifyUrl: 'https://app.example.com/verify-email?token=sample-verification-token',
    verifyExpiresInHours: 72,
  },
  password_reset: {
    resetUrl: 'https://app.example.com/reset-password?token=sample-reset-token',
    expiresInMinutes: 60,
  },
  password_changed: {
    at: '2026-11-25T10:05:00.000Z',
    ip: '203.0.113.7',
    userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Firefox/133.0',
  },
  email_verified: {},
  account_deactivated: { at: '2026-11-25T10:05:00.000Z' },
  mfa_enabled: { at: '2026-11-25T10:05:00.000Z' },
  mfa_disabled: { at: '2026-11-25T10:05:00.000Z' },
  recovery_code_used: { at: '2026-11-25T10:05:00.000Z' },
  email_change_requested: { at: '2026-11-25T10:05:00.000Z' },
  email_change_confirmation: {
    confirmUrl: 'https://app.example.com/confirm-email-change?token=sample-email-change-token',
    expiresInMinutes: 60,
  },
  email_changed: { at: '2026-11-25T10:05:00.000Z' },
  account_deleted: { at: '2026-11-25T10:05:00.000Z' },
};
