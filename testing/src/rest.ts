/** The service's REST paths, called the way any REST client calls them. */

export interface KitResponse<Body = unknown> {
  status: number;
  headers: Headers;
  /** The parsed JSON body (null for an empty one). */
  body: Body;
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** An access token, sent as `Authorization: Bearer ...`. */
  token?: string;
  headers?: Record<string, string>;
}

export async function restRequest<Body = unknown>(
  baseUrl: string,
  path: string,
  options: RequestOptions = {},
): Promise<KitResponse<Body>> {
  const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await fetch(new URL(path.replace(/^\//, ''), `${baseUrl}/`), {
    method: options.method ?? (options.body === undefined ? 'GET' : 'POST'),
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: (text ? JSON.parse(text) : null) as Body,
  };
}

/** Throws with the service's own explanation when an answer is not the one a helper needs. */
export function expectStatus<Body>(
  response: KitResponse<Body>,
  status: number,
  what: string,
): Body {
  if (response.status === status) return response.body;
  const envelope = response.body as { detail?: string; code?: string; errors?: unknown } | null;
  const errors = envelope?.errors ? ` ${JSON.stringify(envelope.errors)}` : '';
  throw new Error(
    `${what} failed: ${response.status} ${envelope?.code ?? ''} ${envelope?.detail ?? ''}${errors}`.replace(
      /\s+/g,
      ' ',
    ),
  );
}
