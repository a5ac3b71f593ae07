/**
 * A person's name is text other people read: every way of setting it (register, profile update,
 * the staff PATCH, over REST and tRPC, single and batched) refuses control characters and the
 * invisible characters that fake layout, with a 400 on `full_name`, and changes nothing.
 */
import { expect } from 'chai';
import { NAME_CHARACTERS_MESSAGE } from '../../server/schemas/person-name.js';
import { bearer, createTestApp, type TestApp } from '../helpers/app.js';
import { signedIn, superuser } from '../helpers/accounts.js';
import { STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { userRow } from '../helpers/inspect.js';

/** Names that try to pass a paragraph, a reversed link or hidden text into what people read. */
export const CRAFTED_NAMES: Array<[what: string, name: string]> = [
  ['a newline and a paragraph', 'Ada\n\nYour account was locked. Unlock it at https://evil.test'],
  ['a carriage return', 'Ada\rAdmin'],
  ['a tab', 'Ada\tLovelace'],
  ['a NUL', 'Ada\u0000'],
  ['an escape sequence', 'Ada\u001b[31m'],
  ['DEL', 'Ada\u007f'],
  ['a C1 control', 'Ada\u0085Lovelace'],
  ['a right-to-left override', 'Ada \u202Egnp.exe'],
  ['a bidi isolate', 'Ada \u2066admin\u2069'],
  ['a zero-width space', 'Ad\u200Ba'],
  ['a zero-width joiner at the edge', '\u200DAda'],
  ['a byte order mark', 'Ada\uFEFFLovelace'],
  ['a soft hyphen', 'Ada\u00ADLovelace'],
  ['a line separator', 'Ada\u2028Lovelace'],
  ['a paragraph separator', 'Ada\u2029Lovelace'],
  ['a Hangul filler', 'Ada\u3164'],
  ['an unpaired surrogate', 'Ada\uD800'],
];

const trpcBody = (input: unknown) => ({ json: input });

describe('full_name refuses control and invisible characters', () => {
  let testApp: TestApp;
  beforeEach(async () => {
    testApp = await createTestApp();
  });

  const registration = (fullName: string) => ({
    email: uniqueEmail('name'),
    full_name: fullName,
    password: STRONG_PASSWORD,
    password_confirm: STRONG_PASSWORD,
  });

  const expectRestRefusal = (response: { status: number; body: Record<string, unknown> }) => {
    expect(response.status, JSON.stringify(response.body)).to.equal(400);
    expect(response.body.code).to.equal('VALIDATION_ERROR');
    expect(response.body.errors).to.deep.equal({ full_name: [NAME_CHARACTERS_MESSAGE] });
  };

  const expectTrpcRefusal = (error: { json: { data: Record<string, unknown> } }) => {
    expect(error.json.data).to.include({ appCode: 'VALIDATION_ERROR', httpStatus: 400 });
    expect(error.json.data.errors).to.deep.equal({ full_name: [NAME_CHARACTERS_MESSAGE] });
  };

  for (const [what, name] of CRAFTED_NAMES) {
    it(`register over REST refuses ${what}, and no account or mail is made`, async () => {
      const body = registration(name);
      expectRestRefusal(await testApp.http().post('/api/auth/register/').send(body));
      expect(await testApp.deps.database.models.User.count()).to.equal(0);
      expect(testApp.mailer.sent).to.have.length(0);
    });
  }

  it('register over tRPC refuses them too, single and batched', async () => {
    const single = await testApp
      .http()
      .post('/trpc/auth.register')
      .send(trpcBody(registration('Ada\n\nClick https://evil.test')));
    expect(single.status).to.equal(400);
    expectTrpcRefusal(single.body.error);

    const batched = await testApp
      .http()
      .post('/trpc/auth.register,auth.forgotPassword?batch=1')
      .send({
        0: trpcBody(registration('Ada \u202Egnp.exe')),
        1: { json: { email: 'someone@example.com' } },
      });
    expect(batched.status).to.equal(207);
    expectTrpcRefusal(batched.body[0].error);
    expect(batched.body[1].result.data.json.message).to.be.a('string');
    expect(await testApp.deps.database.models.User.count()).to.equal(0);
  });

  it('the profile update refuses them over REST (PUT and PATCH) and tRPC, changing nothing', async () => {
    const user = await signedIn(testApp, { fullName: 'Ada Lovelace' });
    for (const method of ['put', 'patch'] as const) {
      for (const [, name] of CRAFTED_NAMES) {
        const response = await testApp
          .http()
          [method]('/api/auth/profile/update/')
          .set(bearer(user.access))
          .send({ full_name: name });
        expectRestRefusal(response);
      }
    }
    const single = await testApp
      .http()
      .post('/trpc/profile.update')
      .set(bearer(user.access))
      .send(trpcBody({ full_name: 'Ada\u2028Admin' }));
    expect(single.status).to.equal(400);
    expectTrpcRefusal(single.body.error);
    const batched = await testApp
      .http()
      .post('/trpc/profile.update,profile.update?batch=1')
      .set(bearer(user.access))
      .send({ 0: trpcBody({ full_name: 'Ad\u200Ba' }), 1: trpcBody({ full_name: 'Ada\u0007' }) });
    expect(batched.status).to.equal(400);
    expectTrpcRefusal(batched.body[0].error);
    expectTrpcRefusal(batched.body[1].error);
    expect((await userRow(testApp, user.email)).fullName).to.equal('Ada Lovelace');
  });

  it('the staff PATCH refuses them over REST and tRPC, changing nothing', async () => {
    const admin = await superuser(testApp);
    const member = await signedIn(testApp, { fullName: 'Dora' });
    const response = await testApp
      .http()
      .patch(`/api/auth/admin/users/${member.id}/`)
      .set(bearer(admin.access))
      .send({ full_name: 'Dora\n\nYour account is suspended', is_verified: true });
    expectRestRefusal(response);
    const overTrpc = await testApp
      .http()
      .post('/trpc/admin.updateUser')
      .set(bearer(admin.access))
      .send(trpcBody({ id: member.id, full_name: 'Dora \u202Eevil' }));
    expect(overTrpc.status).to.equal(400);
    expectTrpcRefusal(overTrpc.body.error);
    expect(await userRow(testApp, member.email)).to.include({
      fullName: 'Dora',
      isVerified: false,
    });
  });

  it('keeps accepting the names people write, joiners and emoji included', async () => {
    const user = await signedIn(testApp);
    for (const name of [
      'José Ñúñez-O’Brien',
      'Zoë Ångström',
      '李小龍',
      'مهر\u200Cنوش', // Persian: a zero-width non-joiner between two letters
      'क्\u200Dष', // Devanagari: a zero-width joiner after a virama
      'Ada 👩\u200D💻', // an emoji sequence joined by a zero-width joiner
      'Ada ❤\uFE0F', // an emoji variation selector after its symbol
      'Ada\u00A0Lovelace', // a no-break space is a visible space
    ]) {
      const response = await testApp
        .http()
        .patch('/api/auth/profile/update/')
        .set(bearer(user.access))
        .send({ full_name: name });
      expect(response.status, `${name}: ${JSON.stringify(response.body)}`).to.equal(200);
      expect(response.body.user.full_name).to.equal(name);
    }
  });
});
