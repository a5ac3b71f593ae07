import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { bearer, createTestApp } from '../helpers/app.js';
import { createAccount } from '../helpers/accounts.js';
import { testEnvironment } from '../setup.js';

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

/** A local OTLP/HTTP receiver: keeps every span posted to /v1/traces (JSON). */
async function startReceiver() {
  const bodies: string[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
      if (request.url === '/v1/traces' && request.headers['content-type'] === 'application/json')
        bodies.push(body.toString('utf8'));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    spans(): ReceivedSpan[] {
      return bodies.flatMap((body) =>
        (
          JSON.parse(body) as {
            resourceSpans: Array<{ scopeSpans: Array<{ spans: ReceivedSpan[] }> }>;
          }
        ).resourceSpans.flatMap((resource) => resource.scopeSpans.flatMap((scope) => scope.spans)),
      );
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

const attribute = (span: ReceivedSpan, key: string) =>
  span.attributes.find((entry) => entry.key === key)?.value;

describe('OpenTelemetry traces', () => {
  it('are off unless an OTLP endpoint is set', async () => {
    const testApp = await createTestApp();
    expect(testApp.deps.tracing).to.equal(null);
  });

  it('export a login as spans over OTLP/HTTP, continuing the caller’s traceparent, with no secret in them', async function () {
    this.timeout(20_000);
    const receiver = await startReceiver();
    const environment = testEnvironment();
    try {
      const testApp = await createTestApp({
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          ...(environment.redisUrl
            ? { REDIS_URL: environment.redisUrl, REDIS_KEY_PREFIX: environment.redisKeyPrefix }
            : {}),
        },
        // The app's own hasher and Redis store, which report to its telemetry.
        overrides: { hasher: undefined, cache: undefined },
      });
      const account = await createAccount(testApp);
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
      const callerSpanId = '00f067aa0ba902b7';
      const login = await testApp
        .http()
        .post('/api/auth/login/')
        .set('traceparent', `00-${traceId}-${callerSpanId}-01`)
        .send({ email: account.email, password: account.password })
        .expect(200);
      const { access, refresh } = login.body.tokens as { access: string; refresh: string };
      await testApp.http().get('/trpc/profile.get').set(bearer(access)).expect(200);
      await testApp.deps.close();

      const spans = receiver.spans();
      const ofLogin = spans.filter((span) => span.traceId === traceId);
      const named = (name: string) => ofLogin.filter((span) => span.name === name);
      const [server] = named('POST auth.login');
      expect(server, ofLogin.map((span) => span.name).join(', ')).to.not.equal(undefined);
      expect(server!.parentSpanId).to.equal(callerSpanId);
      expect(attribute(server!, 'http.response.status_code')).to.deep.equal({ intValue: 200 });
      const [procedure] = named('procedure auth.login');
      expect(procedure!.parentSpanId).to.equal(server!.spanId);
      const [verify] = named('password.verify');
      expect(verify!.parentSpanId).to.equal(procedure!.spanId);
      expect(attribute(verify!, 'auth.hash.queue_wait_ms')).to.have.property('intValue');
      const queries = ofLogin.filter((span) => span.name.startsWith('db '));
      expect(queries.length).to.be.at.least(3);
      const byId = new Map(ofLogin.map((span) => [span.spanId, span]));
      for (const query of queries) {
        // Every query hangs under the login's procedure span.
        let parent = byId.get(query.parentSpanId ?? '');
        while (parent && parent !== procedure) parent = byId.get(parent.parentSpanId ?? '');
        expect(parent, query.name).to.equal(procedure);
      }

      // The authenticated call began a trace of its own, with its Redis lookup in it.
      const read = spans.find((span) => span.name === 'GET profile.get');
      expect(read!.traceId).to.not.equal(traceId);
      if (environment.redisUrl) {
        expect(
          spans.some((span) => span.traceId === read!.traceId && span.name === 'redis GET'),
        ).to.equal(true);
      }

      const everything = receiver.bodies.join('\n');
      for (const secret of [account.password, account.email, access, refresh]) {
        expect(everything).to.not.include(secret);
      }
    } finally {
      await receiver.close();
    }
  });
});
