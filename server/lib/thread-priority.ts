/**
 * Lets the event loop win the CPU over password hashing. scrypt runs on libuv's thread pool;
 * during a flood of logins those threads keep every core busy, and a thread that answers
 * reads must queue for the CPU behind them. On Linux, scheduling priority is per thread, so
 * the process's other threads (libuv's pool and V8's helpers) can run at a lower priority
 * than the main thread: hashing then gets whatever CPU the event loop, PostgreSQL and Redis
 * leave, which is all of it when they are idle. A flood slows logins, not reads.
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';

/** Niceness of the other threads: 10 gets about a tenth of the CPU a niceness-0 thread gets. */
const BACKGROUND_NICENESS = 10;

/** Returns how many threads were lowered (0 where this is not possible: not Linux, no /proc). */
export function lowerBackgroundThreadPriority(): number {
  if (process.platform !== 'linux') return 0;
  let lowered = 0;
  try {
    for (const entry of readdirSync('/proc/self/task')) {
      const threadId = Number(entry);
      if (threadId === process.pid) continue; // the main thread: the event loop
      setPriority(threadId, BACKGROUND_NICENESS);
      lowered += 1;
    }
  } catch {
    // Not permitted or not available: hashing still works, at the same priority as reads.
  }
  return lowered;
}
