/**
 * What every answer to a generated request must look like: never a 5xx, and every error in the
 * contract's envelope (REST: `{detail, code, errors?}`; tRPC: its error shape carrying the same
 * code as `data.appCode`).
 */
import { ERROR_CODES } from '../../../server/errors.js';

const CODES = new Set<string>(ERROR_CODES);

function restEnvelopeProblem(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'not an object';
  const { detail, code, errors, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length) return `extra keys ${Object.keys(rest).join(',')}`;
  if (typeof detail !== 'string' || !detail) return 'no detail';
  if (typeof code !== 'string' || !CODES.has(code)) return `code ${String(code)}`;
  if (errors === undefined) return null;
  if (typeof errors !== 'object' || errors === null) return 'errors not an object';
  for (const messages of Object.values(errors)) {
    if (!Array.isArray(messages) || messages.some((m) => typeof m !== 'string')) {
      return 'errors not lists of strings';
    }
  }
  return null;
}

function trpcErrorProblem(item: unknown, status: number, batched: boolean): string | null {
  const error = (item as { error?: { json?: Record<string, unknown> } } | null)?.error?.json;
  if (!error)
    return (item as { result?: unknown } | null)?.result ? null : 'neither result nor error';
  const data = error.data as { appCode?: string; httpStatus?: number } | undefined;
  if (typeof error.message !== 'string') return 'no message';
  if (!data?.appCode || !CODES.has(data.appCode)) return `appCode ${String(data?.appCode)}`;
  if (data.httpStatus !== undefined && data.httpStatus >= 500)
    return `httpStatus ${data.httpStatus}`;
  if (!batched && data.httpStatus !== status) return `httpStatus ${data.httpStatus} on a ${status}`;
  return null;
}

export function answerProblem(
  request: { method: string; path: string },
  status: number,
  contentType: string | null,
  text: string,
): string | null {
  if (status >= 500) return `answered ${status}`;
  if (status < 400 || request.method === 'HEAD') return null;
  if (!contentType?.includes('application/json')) return `a ${status} of type ${contentType}`;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return `a ${status} whose body is not JSON`;
  }
  if (request.path.startsWith('/trpc/') && restEnvelopeProblem(body) !== null) {
    const batched = Array.isArray(body);
    for (const item of batched ? (body as unknown[]) : [body]) {
      const problem = trpcErrorProblem(item, status, batched);
      if (problem) return `tRPC ${status}: ${problem}`;
    }
    return null;
  }
  const problem = restEnvelopeProblem(body);
  return problem ? `${status} envelope: ${problem}` : null;
}
