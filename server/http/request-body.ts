/**
 * Request bodies, read by the handlers that take one and by nothing else: a GET never pays for
 * a body parser. At most BODY_LIMIT_BYTES are read (413 beyond), malformed JSON is a 400 and a
 * body of another type a 415. The errors carry an HTTP `status`, which the REST error boundary
 * and the tRPC handler each turn into their own wire format.
 */
import type { IncomingMessage } from 'node:http';
import coBody from 'co-body';
import type { Context } from 'koa';

/** Whether the request carries a body, by its headers (the body itself is not read). */
function hasBody({ headers }: IncomingMessage): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

export class BodyError extends Error {
  override name = 'BodyError';
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * JSON, or undefined when there is no body. `requireType`: a body of another type is a 415;
 * `json-or-form` (REST, as DRF) also takes `application/x-www-form-urlencoded`, so a plain HTML
 * form can post: its fields arrive as strings, and the same input schema judges them.
 */
export async function readJsonBody(
  ctx: Context,
  limitBytes: number,
  { requireType }: { requireType: boolean | 'json-or-form' },
): Promise<unknown> {
  if (!hasBody(ctx.req)) return undefined;
  if (requireType === 'json-or-form' && ctx.is('urlencoded')) return readForm(ctx, limitBytes);
  if (requireType && !ctx.is('json', '+json')) {
    throw new BodyError(
      415,
      `Unsupported media type "${ctx.get('Content-Type') || 'none'}"; send application/json${requireType === 'json-or-form' ? ' or application/x-www-form-urlencoded' : ''}.`,
    );
  }
  try {
    // Any JSON value: what shape it must have is the procedure's input schema's to say.
    const parsed: unknown = await coBody.json(ctx.req, { limit: limitBytes, strict: false });
    return parsed === '' ? undefined : parsed;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 413) throw new BodyError(413, 'Request body is too large.');
    if (status === 415) throw new BodyError(415, 'Unsupported content encoding.');
    throw new BodyError(400, 'JSON parse error: the request body is not valid JSON.');
  }
}

async function readForm(ctx: Context, limitBytes: number): Promise<Record<string, unknown>> {
  try {
    // `qs` underneath: `a[b]=c` nests and a repeated name becomes a list; the schema decides.
    return (await coBody.form(ctx.req, { limit: limitBytes })) as Record<string, unknown>;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status === 413) throw new BodyError(413, 'Request body is too large.');
    if (status === 415) throw new BodyError(415, 'Unsupported content encoding.');
    throw new BodyError(400, 'Form parse error: the request body is not a valid form.');
  }
}
