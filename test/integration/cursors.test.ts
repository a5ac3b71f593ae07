/**
 * Every list takes a `cursor`, and a client can send any string as one. Many crafted cursors
 * (out of bigint, beyond the times PostgreSQL can compute, other types, other lists, not JSON,
 * not base64), generated from a fixed seed, go to every list over REST and tRPC (single and
 * batched): each is a 400 on `cursor`, never a 500, and costs at most one log line. The users
 * list pages each of its orderings with cursors of their own, so a cursor of another ordering is
 * refused the same way. Cursors at the very edge of the valid range still page.
 */
import { Writable } from 'node:stream';
import { expect } from 'chai';
import { pino } from 'pino';
import { INVALID_CURSOR } from '../../server/schemas/cursor.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { signedIn, superuser, type SignedInAccount } from '../helpers/accounts.js';

/** A small deterministic generator (mulberry32), so a failure names a cursor that reproduces. */
function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (below: number) => Math.floor(next() * below);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const digits = (count: number) =>
    `${1 + int(9)}${Array.from({ length: count - 1 }, () => int(10)).join('')}`;
  return { int, pick, digits };
}

type Kind = 'activity' | 'users' | 'users:created_at' | 'users:-last_login' | 'users:last_login';
/** The users list's orderings and the kind of cursor each issues. */
const USER_ORDERINGS: Array<[string, Kind]> = [
  ['-created_at', 'users'],
  ['created_at', 'users:created_at'],
  ['-last_login', 'users:-last_login'],
  ['last_login', 'users:last_login'],
];
const MAX_MICROS = 2n ** 53n - 1n;
const MAX_BIGINT = 2n ** 63n - 1n;
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const uuid = () => crypto.randomUUID();
/** A last-login position is any bigint (it is never turned into a time); others are micros. */
const byLastLogin = (kind: Kind) => kind.endsWith('last_login');

/** Cursors that break one rule each: every one must be refused. */
function craftedCursors(kind: Kind, count: number, seed: number): string[] {
  const random = generator(seed);
  const validId = () => (kind === 'activity' ? String(1 + random.int(1000)) : uuid());
  const beyondBigint = () =>
    random.pick([
      () => String(MAX_BIGINT + 1n + BigInt(random.int(1e9))),
      () => `-${MAX_BIGINT + 2n + BigInt(random.int(1e9))}`,
      () => random.digits(20 + random.int(20)),
      () => `-${random.digits(20 + random.int(20))}`,
      () => '99999999999999999999999999999999',
    ])();
  const outOfRangeMicros = () =>
    random.pick([
      () => String(MAX_MICROS + 1n + BigInt(random.int(1e9))),
      () => `-${MAX_MICROS + 1n + BigInt(random.int(1e9))}`,
      () => random.digits(17 + random.int(20)),
      () => `-${random.digits(17 + random.int(20))}`,
      () => String(MAX_BIGINT),
      () => String(-MAX_BIGINT - 1n),
      () => '99999999999999999999999999999999',
    ])();
  const malformedNumber = () =>
    random.pick(['', ' ', '1.5', '1e20', '+1', '--1', '0x10', 'NaN', 'Infinity', '١٢٣', '1 ', '-']);
  const badId =
    kind === 'activity'
      ? () =>
          random.pick([
            () => String(MAX_BIGINT + 1n + BigInt(random.int(1e9))),
            () => random.digits(20 + random.int(20)),
            () => '0',
            () => `-${1 + random.int(1000)}`,
            () => uuid(),
            malformedNumber,
          ])()
      : () =>
          random.pick([
            () => uuid().toUpperCase().replace(/[a-f]/g, 'G'),
            () => uuid().slice(0, 35),
            () => `${uuid()}0`,
            () => String(1 + random.int(1000)),
            () => `${uuid()}' OR '1'='1`,
            malformedNumber,
          ])();
  // Another list's cursor, or one of the users list under another ordering.
  const otherKinds = (['activity', ...USER_ORDERINGS.map(([, other]) => other)] as Kind[]).filter(
    (other) => other !== kind,
  );
  const otherCursor = () => {
    const other = random.pick(otherKinds);
    return encode([other, '1', other === 'activity' ? '1' : uuid()]);
  };
  const shapes: Array<() => string> = [
    () => encode([kind, byLastLogin(kind) ? beyondBigint() : outOfRangeMicros(), validId()]),
    () => encode([kind, malformedNumber(), validId()]),
    () => encode([kind, '1', badId()]),
    otherCursor,
    () =>
      encode([kind === 'activity' ? 'users' : 'activity', '1', kind === 'activity' ? uuid() : '1']),
    () => encode([kind, 1, validId()]),
    () => encode([kind, '1', null]),
    () => encode([kind, '1']),
    () => encode([kind, '1', validId(), 'extra']),
    () => encode({ kind, at: '1', id: validId() }),
    () => encode([kind, ['1'], validId()]),
    () => encode(null),
    () => Buffer.from(`["${kind}",1e400,"1"]`).toString('base64url'),
    () => Buffer.from([0xff, 0xfe, 0x00, 0x80, random.int(256)]).toString('base64url'),
    () => random.pick(['garbage', '%%%', '[]', '🙂', 'A'.repeat(512), '====']),
  ];
  return Array.from({ length: count }, () => random.pick(shapes)());
}

/** Collects every log line, so a test can count the lines of one request. */
function capturingLogger() {
  const lines: Array<{ requestId?: string; level: number; msg: string }> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'trace' }, stream), lines };
}

describe('crafted cursors', function () {
  this.timeout(60_000);
  let testApp: TestApp;
  let lines: ReturnType<typeof capturingLogger>['lines'];
  let member: SignedInAccount;
  let admin: SignedInAccount;

  beforeEach(async () => {
    const capture = capturingLogger();
    lines = capture.lines;
    testApp = await createTestApp({ overrides: { logger: capture.logger } });
    member = await signedIn(testApp);
    admin = await superuser(testApp);
  });

  const requestIds: string[] = [];
  const nextRequestId = () => {
    requestIds.push(`cursor-${requestIds.length}`);
    return requestIds.at(-1)!;
  };
  /** The requests wrote at most one line each (the access line), and nothing above info. */
  const expectQuietLogs = (ids: string[], since: number) => {
    const written = lines.slice(since);
    for (const id of ids) {
      const own = written.filter((line) => line.requestId === id);
      expect(own.length, `${id}: ${JSON.stringify(own)}`).to.be.at.most(1);
    }
    expect(written.filter((line) => line.level > 30)).to.deep.equal([]);
  };

  /** The lists, over REST: [name, path, query besides the cursor, caller, kind]. */
  const restLists = (): Array<[string, string, object, () => string, Kind]> => [
    ['activity/', '/api/auth/activity/', {}, () => member.access, 'activity'],
    ['admin/users/', '/api/auth/admin/users/', {}, () => admin.access, 'users'],
    ...USER_ORDERINGS.map(([ordering, kind]): [string, string, object, () => string, Kind] => [
      `admin/users/?ordering=${ordering}`,
      '/api/auth/admin/users/',
      { ordering },
      () => admin.access,
      kind,
    ]),
    [
      'admin/users/{id}/activity/',
      `/api/auth/admin/users/${member.id}/activity/`,
      {},
      () => admin.access,
      'activity',
    ],
  ];

  it('REST: every list answers each crafted cursor 400 on cursor, with one log line at most', async () => {
    for (const [name, path, query, access, kind] of restLists()) {
      const ids: string[] = [];
      const since = lines.length;
      for (const cursor of craftedCursors(kind, 150, name.length)) {
        const id = nextRequestId();
        ids.push(id);
        const response = await testApp
          .http()
          .get(path)
          .query({ ...query, cursor })
          .set({ ...bearer(access()), 'X-Request-Id': id });
        expect(response.status, `${name} ${cursor}: ${response.text}`).to.equal(400);
        expect(response.body).to.deep.equal({
          detail: 'Invalid input.',
          code: 'VALIDATION_ERROR',
          errors: { cursor: [INVALID_CURSOR] },
        });
      }
      expectQuietLogs(ids, since);
    }
  });

  /** The lists, over tRPC: [procedure, input besides the cursor, caller, kind]. */
  const trpcLists = (): Array<[string, () => object, () => string, Kind]> => [
    ['activity.list', () => ({}), () => member.access, 'activity'],
    ['admin.listUsers', () => ({}), () => admin.access, 'users'],
    ...USER_ORDERINGS.map(([ordering, kind]): [string, () => object, () => string, Kind] => [
      'admin.listUsers',
      () => ({ ordering }),
      () => admin.access,
      kind,
    ]),
    ['admin.userActivity', () => ({ id: member.id }), () => admin.access, 'activity'],
  ];
  const trpcInput = (value: unknown) => encodeURIComponent(JSON.stringify(value));
  const expectTrpcRefusal = (error: { json: { data: Record<string, unknown> } }, label: string) => {
    expect(error.json.data, label).to.include({ appCode: 'VALIDATION_ERROR', httpStatus: 400 });
    expect(error.json.data.errors, label).to.deep.equal({ cursor: [INVALID_CURSOR] });
  };

  it('tRPC: every list refuses each crafted cursor, single and batched, with one log line at most', async () => {
    for (const [position, [procedure, input, access, kind]] of trpcLists().entries()) {
      const cursors = craftedCursors(kind, 60, procedure.length + position);
      const ids: string[] = [];
      const since = lines.length;
      for (const cursor of cursors.slice(0, 30)) {
        const id = nextRequestId();
        ids.push(id);
        const response = await testApp
          .http()
          .get(`/trpc/${procedure}?input=${trpcInput({ json: { ...input(), cursor } })}`)
          .set({ ...bearer(access()), 'X-Request-Id': id });
        expect(response.status, `${procedure} ${cursor}`).to.equal(400);
        expectTrpcRefusal(response.body.error, `${procedure} ${cursor}`);
      }
      for (let start = 30; start < cursors.length; start += 5) {
        const batch = cursors.slice(start, start + 5);
        const id = nextRequestId();
        ids.push(id);
        const inputs = Object.fromEntries(
          batch.map((cursor, index) => [index, { json: { ...input(), cursor } }]),
        );
        const response = await testApp
          .http()
          .get(`/trpc/${batch.map(() => procedure).join(',')}?batch=1&input=${trpcInput(inputs)}`)
          .set({ ...bearer(access()), 'X-Request-Id': id });
        expect(response.status, `${procedure} batch ${batch.join(' ')}`).to.equal(400);
        batch.forEach((cursor, index) =>
          expectTrpcRefusal(response.body[index].error, `${procedure} ${cursor}`),
        );
      }
      expectQuietLogs(ids, since);
    }
  });

  it('sessions/ is not paged: a cursor sent to it is ignored, over REST and tRPC', async () => {
    for (const cursor of craftedCursors('activity', 20, 7)) {
      const rest = await testApp
        .http()
        .get('/api/auth/sessions/')
        .query({ cursor })
        .set(bearer(member.access));
      expect(rest.status, cursor).to.equal(200);
      const trpc = await testApp
        .http()
        .get(`/trpc/sessions.list?input=${trpcInput({ json: { cursor } })}`)
        .set(bearer(member.access));
      expect(trpc.status, cursor).to.equal(200);
    }
  });

  it('still pages from positions at the very edge of the valid range', async () => {
    const newest = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
    const oldest = '00000000-0000-0000-0000-000000000000';
    // [kind, ordering, at, id]: each list in each order, from either end of the valid range
    const edges: Array<[Kind, string | undefined, string, string]> = [
      ['activity', undefined, String(MAX_MICROS), String(MAX_BIGINT)],
      ['activity', undefined, String(-MAX_MICROS), '1'],
      ['users', undefined, String(MAX_MICROS), newest],
      ['users', undefined, String(-MAX_MICROS), oldest],
      ['users:created_at', 'created_at', String(-MAX_MICROS), oldest],
      ['users:created_at', 'created_at', String(MAX_MICROS), newest],
      ['users:-last_login', '-last_login', String(MAX_BIGINT), newest],
      ['users:-last_login', '-last_login', String(-MAX_BIGINT - 1n), oldest],
      ['users:last_login', 'last_login', String(-MAX_BIGINT - 1n), oldest],
      ['users:last_login', 'last_login', String(MAX_BIGINT), newest],
    ];
    for (const [kind, ordering, at, id] of edges) {
      const cursor = encode([kind, at, id]);
      const [path, access] =
        kind === 'activity'
          ? ['/api/auth/activity/', member.access]
          : ['/api/auth/admin/users/', admin.access];
      const response = await testApp
        .http()
        .get(path)
        .query({ cursor, ...(ordering ? { ordering } : {}) })
        .set(bearer(access));
      expect(response.status, `${kind} ${at} ${id}: ${response.text}`).to.equal(200);
      // Before the first position of the list's order comes everything; after its last, nothing.
      const descending = !ordering || ordering.startsWith('-');
      const fromTheStart = descending ? !at.startsWith('-') : at.startsWith('-');
      expect(response.body.results.length > 0, `${kind} ${at}`).to.equal(fromTheStart);
    }
  });
});
