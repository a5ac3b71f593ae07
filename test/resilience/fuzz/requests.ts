/**
 * Requests generated from the OpenAPI document, per operation, over both wire formats: valid,
 * boundary and invalid inputs (wrong types, huge and empty strings, Unicode edge cases, deep
 * nesting, missing and extra fields), broken JSON, wrong content types, odd methods and paths,
 * bogus tokens and cursors, tRPC batches. Pure generation (fast-check), no I/O: a seed and an
 * index name one request exactly, so a failure can be replayed.
 */
import fc from 'fast-check';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is walked by key
type JsonObject = Record<string, any>;

export interface FuzzRequest {
  label: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Credentials {
  user: string;
  staff: string;
}

/** The operation's schemas, read from the document. */
interface OperationShape {
  id: string;
  trpcPath: string;
  method: string;
  path: string;
  query: boolean;
  body: JsonObject | undefined;
  pathParams: string[];
  queryParams: JsonObject[];
  bearer: boolean;
  staff: boolean;
}

const ODD_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];
const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/json; charset=utf-16',
  'application/xml',
  'application/json-patch+json',
  '',
];
const UNICODE_EDGES = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  '\u202eevil',
  '\u200b',
  '\ufeff',
  'e\u0301',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
  '🤦🏼‍♂️',
  '\uffff',
  'İı',
  'ß',
  '\r\n\t',
  "' OR 1=1 --",
  '%00',
  '../../etc/passwd',
  '{{7*7}}',
  '__proto__',
  'constructor',
];

/** Percent-encoding that survives lone surrogates (sent as the bytes of one, as a client may). */
function encode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80';
  }
}

function nest(depth: number, leaf: unknown = 1): unknown {
  let value = leaf;
  for (let level = 0; level < depth; level += 1) value = level % 2 ? { a: value } : [value];
  return value;
}

// Mostly long, now and then past the URL and body limits (16 KB of headers, 1 MiB of body).
const hugeString = fc
  .oneof(
    { weight: 30, arbitrary: fc.constantFrom(300, 1000, 5000) },
    { weight: 1, arbitrary: fc.constantFrom(20_000, 300_000, 1_100_000) },
  )
  .map((length) => 'x'.repeat(length));

/** Anything but what the schema asks for. */
const weird: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.constantFrom(...UNICODE_EDGES),
  hugeString,
  fc.constant(''),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e308),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.anything(), { maxLength: 5 }),
  fc.object(),
  fc.integer({ min: 10, max: 2000 }).map((depth) => nest(depth)),
);

/** A value the schema allows (or nearly: at its boundaries). */
function valid(name: string, schema: JsonObject | undefined): fc.Arbitrary<unknown> {
  if (!schema) return weird;
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  switch (schema.type) {
    case 'boolean':
      return fc.boolean();
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1000 });
    case 'number':
      return fc.double({ noNaN: true });
    case 'string': {
      if (name.includes('email')) return fc.emailAddress();
      const minLength = schema.minLength ?? 0;
      const maxLength = Math.min(schema.maxLength ?? 64, 300);
      return fc.oneof(
        fc.string({ minLength, maxLength: Math.max(minLength, Math.min(maxLength, 40)) }),
        fc.constant('y'.repeat(maxLength)),
        fc.constant('y'.repeat(maxLength + 1)),
        fc.constantFrom(...UNICODE_EDGES),
      );
    }
    case 'object':
      return objectFor(schema);
    default:
      return weird;
  }
}

function objectFor(schema: JsonObject): fc.Arbitrary<Record<string, unknown>> {
  const properties = (schema.properties ?? {}) as Record<string, JsonObject>;
  const entries = Object.fromEntries(
    Object.entries(properties).map(([name, property]) => [name, valid(name, property)]),
  );
  return fc.record(entries, { requiredKeys: (schema.required ?? []) as string[] });
}

/** A body: valid, or with a field of the wrong type, missing, extra, or not an object at all. */
function inputFor(schema: JsonObject | undefined): fc.Arbitrary<unknown> {
  if (!schema) return fc.oneof(fc.constant(undefined), fc.constant({}), weird);
  const base = objectFor(schema);
  const names = Object.keys(schema.properties ?? {});
  const mutations: fc.Arbitrary<unknown>[] = [
    base,
    fc
      .tuple(base, fc.dictionary(fc.string({ maxLength: 20 }), weird, { maxKeys: 4 }))
      .map(([body, extra]) => ({ ...extra, ...body, ...extra })),
    weird,
  ];
  if (names.length) {
    mutations.push(
      fc.tuple(base, fc.constantFrom(...names), weird).map(([body, name, value]) => ({
        ...body,
        [name]: value,
      })),
      fc.tuple(base, fc.constantFrom(...names)).map(([body, name]) => {
        const copy: Record<string, unknown> = { ...body };
        delete copy[name];
        return copy;
      }),
    );
  }
  return fc.oneof(...mutations);
}

/** The JSON of `value`, or broken JSON, or another encoding altogether. */
function encoded(value: unknown): fc.Arbitrary<{ body?: string; contentType: string }> {
  const json = value === undefined ? undefined : JSON.stringify(value);
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant({ body: json, contentType: 'application/json' }) },
    fc
      .constantFrom(
        '{',
        '{"a":}',
        '[1,2',
        '"unterminated',
        'nul',
        '\u0000',
        '{"a":1}{"b":2}',
        `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
        `${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`,
      )
      .map((body) => ({ body, contentType: 'application/json' })),
    fc
      .tuple(fc.constantFrom(...CONTENT_TYPES), fc.constantFrom(json ?? '', 'a=1&b=2', '<x/>'))
      .map(([contentType, body]) => ({ body, contentType })),
    fc.constant({
      body: (json ?? '').slice(0, Math.floor((json ?? '').length / 2)),
      contentType: 'application/json',
    }),
  );
}

const bogusTokens = fc.constantFrom(
  'Bearer garbage',
  'Bearer ',
  'Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0.',
  'Bearer eyJhbGciOiJIUzI1NiJ9.e30.AAAA',
  'Basic dXNlcjpwYXNz',
  `Bearer ${'x'.repeat(9000)}`,
  'Bearer x.y.z',
);

function authorization(shape: OperationShape, credentials: Credentials) {
  const good = `Bearer ${shape.staff ? credentials.staff : credentials.user}`;
  return fc.oneof(
    { weight: 7, arbitrary: fc.constant(shape.bearer ? good : undefined) },
    { weight: 1, arbitrary: fc.constant(`Bearer ${credentials.user}`) },
    { weight: 2, arbitrary: bogusTokens },
  );
}

const pathParam = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 80 }),
  fc.constantFrom(...UNICODE_EDGES),
  fc.constant('y'.repeat(500)),
);

const queryValue = fc.oneof(
  fc.integer({ min: -5, max: 200 }).map(String),
  fc.string({ maxLength: 60 }),
  fc.base64String({ maxLength: 200 }),
  fc.constantFrom('', 'NaN', '1e9', '[]', '%ff', '\u0000'),
);

function withPath(shape: OperationShape): fc.Arbitrary<string> {
  const params = fc.tuple(
    ...shape.pathParams.map(() => pathParam),
    fc.array(queryValue, {
      minLength: shape.queryParams.length,
      maxLength: shape.queryParams.length,
    }),
  );
  return params.map((values) => {
    const query = values.pop() as string[];
    let path = shape.path;
    shape.pathParams.forEach((name, index) => {
      path = path.replace(`{${name}}`, encode(values[index] as string));
    });
    const search = new URLSearchParams();
    shape.queryParams.forEach((param, index) => {
      if (query[index] !== '') search.set(param.name as string, query[index]!);
    });
    return `/api${path}${search.size ? `?${search}` : ''}`;
  });
}

/** The same path written oddly: without its slash, doubled slashes, dot segments, junk after it. */
const pathVariant = fc.constantFrom<(path: string) => string>(
  (path) => path,
  (path) => path,
  (path) => path,
  (path) => path.replace(/\/(\?|$)/, '$1'),
  (path) => path.replace('/api/', '/api//'),
  (path) => path.replace('/auth/', '/auth/./'),
  (path) => path.replace('/auth/', '/auth/%2e%2e/'),
  (path) => `${path}${path.includes('?') ? '&' : '?'}x=%ff%fe`,
  (path) => path.toUpperCase(),
  (path) => `${path}extra/`,
);

function restRequest(shape: OperationShape, credentials: Credentials): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.oneof(
        { weight: 8, arbitrary: fc.constant(shape.method) },
        fc.constantFrom(...ODD_METHODS),
      ),
      path: fc.tuple(withPath(shape), pathVariant).map(([path, variant]) => variant(path)),
      auth: authorization(shape, credentials),
      payload: inputFor(shape.body).chain(encoded),
    })
    .map(({ method, path, auth, payload }) => {
      const headers: Record<string, string> = {};
      if (auth) headers.authorization = auth;
      const sendsBody = method !== 'GET' && method !== 'HEAD' && payload.body !== undefined;
      if (sendsBody && payload.contentType) headers['content-type'] = payload.contentType;
      return {
        label: `REST ${shape.id}`,
        method,
        path,
        headers,
        body: sendsBody ? payload.body : undefined,
      };
    });
}

function trpcRequest(shape: OperationShape, credentials: Credentials): fc.Arbitrary<FuzzRequest> {
  const wrapped = inputFor(shape.body).map((input) =>
    input === undefined ? undefined : { json: input },
  );
  const input = fc.oneof({ weight: 3, arbitrary: wrapped }, inputFor(shape.body), weird);
  const single = fc.record({
    input,
    auth: authorization(shape, credentials),
    payload: fc.constant(0),
  });
  return fc
    .record({
      call: single,
      batch: fc.integer({ min: 0, max: 12 }),
      raw: fc.oneof(
        { weight: 5, arbitrary: fc.constant(undefined) },
        encoded({ json: 1 }).map((e) => e.body),
      ),
    })
    .map(({ call, batch, raw }) => {
      const headers: Record<string, string> = {};
      if (call.auth) headers.authorization = call.auth;
      const encodedInput = call.input === undefined ? undefined : JSON.stringify(call.input);
      const paths = batch
        ? Array.from({ length: batch }, () => shape.trpcPath).join(',')
        : shape.trpcPath;
      const batchInput = batch
        ? JSON.stringify(
            Object.fromEntries(Array.from({ length: batch }, (_, index) => [index, call.input])),
          )
        : encodedInput;
      const search = batch ? '?batch=1' : '';
      if (shape.query) {
        const query =
          batchInput === undefined ? '' : `${search ? '&' : '?'}input=${encode(raw ?? batchInput)}`;
        return {
          label: `tRPC ${shape.trpcPath}`,
          method: 'GET',
          path: `/trpc/${paths}${search}${query}`,
          headers,
        };
      }
      headers['content-type'] = 'application/json';
      return {
        label: `tRPC ${shape.trpcPath}`,
        method: 'POST',
        path: `/trpc/${paths}${search}`,
        headers,
        body: raw ?? batchInput ?? '',
      };
    });
}

/** Paths nobody serves, methods nobody expects. */
function strayRequest(credentials: Credentials): fc.Arbitrary<FuzzRequest> {
  return fc
    .record({
      method: fc.constantFrom(...ODD_METHODS),
      prefix: fc.constantFrom('/api/auth/', '/trpc/', '/api/', '/', '/health/', '/docs/'),
      rest: fc.oneof(
        fc.string({ maxLength: 60 }),
        fc.constantFrom(...UNICODE_EDGES),
        fc.constant('a/'.repeat(2000)),
      ),
      auth: fc.oneof(
        fc.constant(undefined),
        fc.constant(`Bearer ${credentials.user}`),
        bogusTokens,
      ),
    })
    .map(({ method, prefix, rest, auth }): FuzzRequest => ({
      label: 'stray path',
      method,
      path: prefix + encode(rest).replace(/%2F/g, '/'),
      headers: auth ? { authorization: auth } : {},
    }));
}

export function operationShapes(document: JsonObject): OperationShape[] {
  const shapes: OperationShape[] = [];
  for (const [path, item] of Object.entries(document.paths as Record<string, JsonObject>)) {
    for (const [method, operation] of Object.entries(item as Record<string, JsonObject>)) {
      const parameters = (operation.parameters ?? []) as JsonObject[];
      const id = operation.operationId as string;
      const trpcPath = id.replace(/-patch$/, '').replace('-', '.');
      shapes.push({
        id,
        trpcPath,
        method: method.toUpperCase(),
        path,
        query: method === 'get',
        body: operation.requestBody?.content?.['application/json']?.schema,
        pathParams: parameters.filter((p) => p.in === 'path').map((p) => p.name as string),
        queryParams: parameters.filter((p) => p.in === 'query'),
        bearer: Boolean(operation.security),
        staff: trpcPath.startsWith('admin.'),
      });
    }
  }
  return shapes;
}

/** Every operation over REST and tRPC, plus stray requests, in one arbitrary. */
export function fuzzRequests(document: JsonObject, credentials: Credentials) {
  const shapes = operationShapes(document);
  return fc.oneof(
    ...shapes.flatMap((shape) => [
      restRequest(shape, credentials),
      trpcRequest(shape, credentials),
    ]),
    strayRequest(credentials),
  );
}
