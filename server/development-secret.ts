/**
 * Development without SECRET_KEY: a key generated once and kept in `<data dir>/secret-key`
 * (mode 0600, under the gitignored `.data/`), so a restart of `npm run dev` keeps everyone signed
 * in. Only for NODE_ENV=development; production refuses to start without SECRET_KEY, and tests
 * keep their random per-process key. Used by the service and the CLI, not by loadConfig, so
 * reading the configuration never writes a file.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config/index.js';

const FILE = 'secret-key';
const DEFAULT_DIR = '.data';
const MIN_LENGTH = 32;

export interface KeptSecret {
  config: Config;
  /** Where the development key is kept, or null when SECRET_KEY (or a random key) is used. */
  keptIn: string | null;
}

export function withDevelopmentSecret(config: Config): KeptSecret {
  if (config.env !== 'development' || !config.secretKeyIsEphemeral) return { config, keptIn: null };
  const directory = config.database.kind === 'embedded' ? config.database.dataDir : DEFAULT_DIR;
  const path = join(directory, FILE);
  let key = readKey(path);
  if (!key) {
    key = config.secretKey;
    mkdirSync(directory, { recursive: true });
    writeFileSync(path, `${key}\n`, { mode: 0o600 });
  }
  // A key file someone made readable by others (or created by hand) is narrowed again.
  chmodSync(path, 0o600);
  return { config: { ...config, secretKey: key, secretKeyIsEphemeral: false }, keptIn: path };
}

function readKey(path: string): string | null {
  try {
    const key = readFileSync(path, 'utf8').trim();
    return key.length >= MIN_LENGTH ? key : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
