/**
 * What makes this test run's state its own, so two runs on one machine (two developers, CI and
 * a developer, two worktrees) never see each other's rows or keys: a database of its own and a
 * Redis key prefix of its own, both named after the run. TEST_RUN_ID fixes the name (to look at
 * a run's leftovers, say); by default it is the process id and a random suffix.
 */
import { randomBytes } from 'node:crypto';

export const RUN_ID = process.env.TEST_RUN_ID ?? `${process.pid}_${randomBytes(3).toString('hex')}`;

/** Databases of test runs start with this; a run drops its own and those of dead runs. */
export const TEST_DATABASE_PREFIX = 'auth_service_test_';

export const TEST_DATABASE = process.env.TEST_DATABASE_NAME ?? `${TEST_DATABASE_PREFIX}${RUN_ID}`;

/** Every key the run writes to Redis starts with this: the test store's and the services'. */
export const TEST_KEY_PREFIX = `test:${RUN_ID}:`;

/** The pid inside a run's database name, to tell whether the run that made it is still alive. */
export function runPidOf(databaseName: string): number | null {
  const match = new RegExp(`^${TEST_DATABASE_PREFIX}(\\d+)_[0-9a-f]+(_\\w+)?$`).exec(databaseName);
  return match ? Number(match[1]) : null;
}
