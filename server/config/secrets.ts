/** SECRET_KEY: what signs tokens, and when a key is too weak to run production with. */
import { z } from 'zod';
import { configurationError } from './errors.js';
import type { GeneralEnvironment } from './general.js';

export const secretVariables = z.object({
  SECRET_KEY: z.string().optional(),
});

const MIN_SECRET_BYTES = 32;
const PLACEHOLDER_SECRET =
  /change[-_ ]?me|changeme|insecure|placeholder|example|your[-_ ]?secret|secret[-_ ]?key|^secret$|django|dev[-_]?key|^test/i;

/** Why a SECRET_KEY is unfit for production, or null when it is fine. */
export function weakSecretReason(secret: string | undefined): string | null {
  if (!secret) return 'is required in production';
  if (Buffer.byteLength(secret, 'utf8') < MIN_SECRET_BYTES)
    return `must be at least ${MIN_SECRET_BYTES} bytes in production`;
  if (PLACEHOLDER_SECRET.test(secret)) return 'looks like a default or placeholder value';
  if (new Set(secret).size < 10) return 'has too little variety to be a random key';
  return null;
}

export function secretSection(
  environment: z.output<typeof secretVariables> & Pick<GeneralEnvironment, 'NODE_ENV'>,
) {
  return {
    secretKey: environment.SECRET_KEY ?? randomDevelopmentSecret(environment.NODE_ENV),
    /** True when SECRET_KEY was absent and a random per-process key is used (development only). */
    secretKeyIsEphemeral: !environment.SECRET_KEY,
  };
}

function randomDevelopmentSecret(env: GeneralEnvironment['NODE_ENV']): string {
  // Production never signs with a generated key, whatever the rules let through: tokens would
  // die with the process and differ between instances.
  if (env === 'production') throw configurationError(['SECRET_KEY is required in production']);
  // Outside production a missing key is replaced by a random one: tokens then last only as long
  // as the process, which the start banner says.
  return Buffer.from(crypto.getRandomValues(new Uint8Array(48))).toString('base64url');
}
