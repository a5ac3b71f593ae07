import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { expect } from 'chai';
import { createLogger } from '../../server/lib/logger.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiNDIifQ.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg';
const RESET_TOKEN = 'Jk1c0qvCw3H6eA0zB_9xYp-4LmN2sT7uVw8dRf5gHiQ';

/** A trace-level logger whose finished lines are kept, as they would reach stdout. */
function capture() {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'trace',
    pretty: false,
    destination: { write: (line: string) => void lines.push(line) },
  });
  return { logger, lines };
}

describe('log redaction', () => {
  it('blanks fields named like a secret at any depth, and keeps the rest', () => {
    const { logger, lines } = capture();
    const fields = {
      headers: {
        authorization: 'Bearer opaque-credential-1',
        cookie: 'auth_refresh=cookie-value-1',
        host: 'auth.example.com',
      },
      call: {
        batch: [{ input: { email: 'ada@example.com', new_password: 'Pw-deep-1' } }],
        result: { tokens: { access: 'opaque-access-1', refresh: 'opaque-refresh-1' } },
      },
      body: { password: 'Pw-body-1', token: RESET_TOKEN, apiKey: 'SG.key-1' },
    };
    logger.trace(fields, 'incoming');
    const [line] = lines;
    for (const secret of [
      'opaque-credential-1',
      'cookie-value-1',
      'Pw-deep-1',
      'opaque-access-1',
      'opaque-refresh-1',
      'Pw-body-1',
      RESET_TOKEN,
      'SG.key-1',
    ]) {
      expect(line).not.to.include(secret);
    }
    const logged = JSON.parse(line!);
    expect(logged.headers).to.deep.equal({
      authorization: '[redacted]',
      cookie: '[redacted]',
      host: 'auth.example.com',
    });
    expect(logged.call.batch[0].input.email, 'what is no secret stays').to.equal('ada@example.com');
    expect(fields.body.password, "the caller's object is untouched").to.equal('Pw-body-1');
  });

  it("blanks the credential headers of Node's request and response objects", () => {
    const { logger, lines } = capture();
    const req = new IncomingMessage(new Socket());
    req.method = 'POST';
    req.url = `/api/auth/verify-email/?token=${RESET_TOKEN}`;
    req.headers = { authorization: 'Bearer opaque-credential-3', cookie: 'a=cookie-value-3' };
    logger.info({ req }, 'request');
    const [line] = lines;
    for (const secret of ['opaque-credential-3', 'cookie-value-3', RESET_TOKEN])
      expect(line).not.to.include(secret);
    expect(JSON.parse(line!).req).to.include({ method: 'POST' });
  });

  it("writes an error's kind, message, code and stack, never its query parameters", () => {
    const { logger, lines } = capture();
    // What Sequelize throws when an insert times out: the driver's error as `parent`, and the
    // statement with its bound values (here a reset link) on both.
    const link = `https://app.example.com/reset-password?token=${RESET_TOKEN}`;
    const parent = Object.assign(new Error('canceling statement due to statement timeout'), {
      code: '57014',
      parameters: [JSON.stringify({ resetUrl: link })],
    });
    const error = Object.assign(new Error(parent.message), {
      name: 'SequelizeDatabaseError',
      parent,
      original: parent,
      sql: 'INSERT INTO "email_outbox" VALUES ($1)',
      parameters: parent.parameters,
    });
    logger.error({ err: error, path: '/api/auth/forgot-password/' }, 'request failed');
    logger.error(error);

    for (const line of lines) {
      expect(line).not.to.include(RESET_TOKEN);
      expect(line).not.to.include('INSERT INTO');
    }
    const logged = JSON.parse(lines[0]!);
    expect(logged.err).to.have.keys('type', 'message', 'stack', 'cause');
    expect(logged.err.type).to.equal('SequelizeDatabaseError');
    expect(logged.err.cause).to.include({ code: '57014', message: parent.message });
  });

  it('masks secrets inside message text: JWTs, token links, Bearer values, URL passwords', () => {
    const { logger, lines } = capture();
    logger.warn(
      `failed: Bearer opaque-credential-2, ${JWT}, https://app.example.com/verify-email?token=${RESET_TOKEN}, postgres://app:db-password-1@db:5432/auth`,
    );
    const [line] = lines;
    for (const secret of ['opaque-credential-2', JWT.split('.')[2]!, RESET_TOKEN, 'db-password-1'])
      expect(line).not.to.include(secret);
    expect(JSON.parse(line!).msg).to.equal(
      'failed: Bearer [redacted], [redacted], https://app.example.com/verify-email?token=[redacted], postgres://app:[redacted]@db:5432/auth',
    );
  });
});
