/**
 * One process per PGlite folder. PGlite is PostgreSQL in this process's memory: a second process
 * opening the same folder works on its own copy, and whichever closes last overwrites the other's
 * writes (a user created by the CLI while the service ran was gone after a restart). So the
 * process that opens the folder writes `embedded-postgres.lock` beside it in EMBEDDED_DATA_DIR (created exclusively)
 * holding its pid and, once its socket listens, the address other processes reach it at. The
 * CLI then goes through that socket; a second service is refused with the holder's pid.
 */
import { closeSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const LOCK_FILE = 'embedded-postgres.lock';

const holderSchema = z.object({
  pid: z.number().int().positive(),
  /** What holds it (`service`, `cli`), for the message a second process prints. */
  role: z.string(),
  /** `postgres://…` of its socket once it listens; null while it starts. */
  url: z.string().nullable(),
});
export type LockHolder = z.infer<typeof holderSchema>;

/** The folder is open in another live process; the message says which and what to do. */
export class EmbeddedDatabaseInUseError extends Error {
  override name = 'EmbeddedDatabaseInUseError';
  constructor(
    readonly holder: LockHolder,
    dataDir: string,
  ) {
    super(
      `The embedded database in ${dataDir} is open in process ${holder.pid} (${holder.role}); ` +
        'two processes must never open one PGlite folder.\n' +
        (holder.role === 'service'
          ? `Stop that process first (kill ${holder.pid}), or point this one at another EMBEDDED_DATA_DIR or a DATABASE_URL.`
          : `Wait for that command to finish (or stop it: kill ${holder.pid}), then try again.`),
    );
  }
}

const lockPath = (dataDir: string) => join(dataDir, LOCK_FILE);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; still a holder.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live process holding `dataDir`, or null (a lock left by a dead process is removed). */
export function lockHolder(dataDir: string): LockHolder | null {
  let text: string;
  try {
    text = readFileSync(lockPath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = holderSchema.safeParse(safeJson(text));
  // A half-written file is a holder that is starting right now; an unreadable one from an old
  // crash is stale. Only a pid tells them apart, so without one it counts as stale.
  if (parsed.success && alive(parsed.data.pid)) return parsed.data;
  rmSync(lockPath(dataDir), { force: true });
  return null;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export interface EmbeddedLock {
  /** Records where the socket listens, for the CLI. */
  publish(url: string): void;
  release(): void;
}

/** Takes `dataDir` for this process, or throws EmbeddedDatabaseInUseError naming the holder. */
export function acquireLock(dataDir: string, role: string): EmbeddedLock {
  const path = lockPath(dataDir);
  const write = (url: string | null) => JSON.stringify({ pid: process.pid, role, url });
  for (let attempt = 0; attempt < 2; attempt++) {
    const holder = lockHolder(dataDir);
    if (holder) throw new EmbeddedDatabaseInUseError(holder, dataDir);
    let descriptor: number;
    try {
      descriptor = openSync(path, 'wx', 0o600);
    } catch (error) {
      // Another process created it between our check and our open: look at it again.
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    writeSync(descriptor, write(null));
    closeSync(descriptor);
    return {
      publish: (url) => writeFileSync(path, write(url), { mode: 0o600 }),
      release: () => {
        const current = safeJson(readFileSafe(path));
        if (holderSchema.safeParse(current).data?.pid === process.pid)
          rmSync(path, { force: true });
      },
    };
  }
  throw new Error(`could not take ${path}: another process keeps creating it`);
}

function readFileSafe(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
