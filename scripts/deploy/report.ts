/** What every deployment check returns: the files it read and what is wrong with them. */
export interface Problem {
  /** Path relative to the repository root. */
  file: string;
  message: string;
  line?: number;
}

export interface CheckResult {
  files: string[];
  problems: Problem[];
}

/** Collects problems for one file; `check()` records a problem unless the condition holds. */
export class FileReport {
  readonly problems: Problem[] = [];

  constructor(readonly file: string) {}

  add(message: string, line?: number): void {
    this.problems.push(
      line === undefined ? { file: this.file, message } : { file: this.file, message, line },
    );
  }

  check(condition: unknown, message: string, line?: number): void {
    if (!condition) this.add(message, line);
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The record at `path` inside a parsed document, or an empty one when anything is missing. */
export function recordAt(value: unknown, ...path: string[]): Record<string, unknown> {
  let current: unknown = value;
  for (const key of path) current = isRecord(current) ? current[key] : undefined;
  return isRecord(current) ? current : {};
}
