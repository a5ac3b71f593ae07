import { expect } from 'chai';
import { createTestApp, type TestApp } from '../helpers/app.js';
import { registerUser, STRONG_PASSWORD, uniqueEmail } from '../helpers/factories.js';
import { appErrorOf, models, userRow } from '../helpers/inspect.js';

const USER_KEYS = [
  'id',
  'email',
  'full_name',
  'is_verified',
  'is_staff',
  'created_at',
  'last_login',
];

describe('register/', () => {
  let testApp: TestApp;
  beforeEach(async () => {
    testApp = await createTestApp();
  });

  const register = (body: Record<string, unknown>) =>
    testApp.http().post('/api/auth/register/').send(body);

  const valid = (overrides: Record<string, unknown> = {}) => ({
    email: uniqueEmail('reg'),
    full_name: 'Ada Lovelace',
    password: STRONG_PASSWORD,
    password_confirm: STRONG_PASSWORD,
    ...overrides,
  });

  const userCount = () => models(testApp).User.count();

  it('answers 201 with a message, the user object and a token pair', async () => {
    const body = valid();
    const response = await register(body);
    expect(response.status).to.equal(201);
    expect(response.body).to.have.keys('message', 'user', 'tokens');
    expect(response.body.message).to.be.a('string').and.not.equal('');
    expect(response.body.user).to.have.keys(...USER_KEYS);
    expect(response.body.user).to.include({
      email: body.email,
      full_name: 'Ada Lovelace',
      is_verified: false,
      is_staff: false,
      last_login: null,
    });
    expect(new Date(response.body.user.created_at).toISOString()).to.equal(
      response.body.user.created_at,
    );
    expect(response.body.tokens).to.have.keys('access', 'refresh');

    const row = await userRow(testApp, body.email);
    expect(row.id).to.equal(response.body.user.id);
    expect(row.passwordHash).to.match(/^scrypt\$/);
    expect(row.passwordHash).to.not.include(STRONG_PASSWORD);
    const activity = await models(testApp).ActivityLog.findAll({ where: { userId: row.id } });
    expect(activity.map((entry) => entry.action)).to.deep.equal(['register']);
  });

  it('issues tokens that work at once', async () => {
    const user = await registerUser(testApp);
    const profile = await testApp
      .http()
      .get('/api/auth/profile/')
      .set('Authorization', `Bearer ${user.access}`);
    expect(profile.status).to.equal(200);
    expect(profile.body.id).to.equal(user.id);
  });

  it('stores the email trimmed and lower-cased', async () => {
    const email = uniqueEmail('Mixed.Case');
    const response = await register(valid({ email: `  ${email.toUpperCase()}  ` }));
    expect(response.status).to.equal(201);
    expect(response.body.user.email).to.equal(email.toLowerCase());
    const rows = await models(testApp).User.findAll({ raw: true });
    expect(rows.map((row) => row.email)).to.deep.equal([email.toLowerCase()]);
  });

  it('refuses an email that is taken in any letter case', async () => {
    const email = uniqueEmail('taken');
    expect((await register(valid({ email }))).status).to.equal(201);
    for (const variant of [email, email.toUpperCase(), ` ${email.replace(/^t/, 'T')} `]) {
      const response = await register(valid({ email: variant, full_name: 'Someone Else' }));
      expect(response.status).to.equal(400);
      expect(response.body.code).to.equal('VALIDATION_ERROR');
      expect(response.body.errors).to.deep.equal({
        email: ['A user with this email already exists.'],
      });
    }
    expect(await userCount()).to.equal(1);
    expect((await userRow(testApp, email)).fullName).to.equal('Ada Lovelace');
  });

  it('refuses a confirmation that does not match, under password_confirm', async () => {
    const response = await register(valid({ password_confirm: `${STRONG_PASSWORD}x` }));
    expect(response.status).to.equal(400);
    expect(response.body.code).to.equal('VALIDATION_ERROR');
    expect(response.body.errors).to.deep.equal({ password_confirm: ['Passwords do not match.'] });
    expect(await userCount()).to.equal(0);
  });

  describe('applies every password rule, one message each', () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      [
        'too short',
        { password: 'xK9#mQ2' },
        'This password is too short. It must contain at least 8 characters.',
      ],
      [
        'longer than 128 characters',
        { password: `${'Zq7!'.repeat(32)}w` },
        'This password is too long. It must contain at most 128 characters.',
      ],
      ['entirely numeric', { password: '80429157361' }, 'This password is entirely numeric.'],
      ['a common password', { password: 'sunshine' }, 'This password is too common.'],
      [
        'similar to the email',
        { email: 'margaret.hamilton@example.com', password: 'Hamilton!2024' },
        'The password is too similar to the email.',
      ],
      [
        'similar to the full name',
        { full_name: 'Katherine Johnson', password: 'Johnson#1918' },
        'The password is too similar to the full name.',
      ],
    ];
    for (const [rule, fields, message] of cases) {
      it(`refuses a password ${rule}`, async () => {
        const body = valid({ ...fields, password_confirm: fields.password });
        const response = await register(body);
        expect(response.status).to.equal(400);
        expect(response.body.code).to.equal('VALIDATION_ERROR');
        expect(response.body.errors).to.deep.equal({ password: [message] });
        expect(await userCount()).to.equal(0);
      });
    }

    it('lists every rule a password breaks', async () => {
      const response = await register(valid({ password: '1234567', password_confirm: '1234567' }));
      expect(response.status).to.equal(400);
      expect(response.body.errors.password).to.deep.equal([
        'This password is too short. It must contain at least 8 characters.',
        'This password is entirely numeric.',
        'This password is too common.',
      ]);
    });
  });

  it('takes the full name trimmed, 1 to 255 characters', async () => {
    const blank = await register(valid({ full_name: '   ' }));
    expect(blank.status).to.equal(400);
    expect(blank.body.errors).to.deep.equal({ full_name: ['This field may not be blank.'] });

    const long = await register(valid({ full_name: 'n'.repeat(256) }));
    expect(long.status).to.equal(400);
    expect(long.body.errors).to.deep.equal({
      full_name: ['Ensure this field has no more than 255 characters.'],
    });
    expect(await userCount()).to.equal(0);

    const longest = await register(valid({ full_name: ` ${'n'.repeat(255)} ` }));
    expect(longest.status).to.equal(201);
    expect(longest.body.user.full_name).to.equal('n'.repeat(255));
    const trimmed = await register(valid({ full_name: '  Ada  ' }));
    expect(trimmed.status).to.equal(201);
    expect((await userRow(testApp, trimmed.body.user.email)).fullName).to.equal('Ada');
  });

  it('refuses an invalid email with DRF wording', async () => {
    for (const email of ['not-an-email', 'a@b', 'two@@example.com']) {
      const response = await register(valid({ email }));
      expect(response.status, email).to.equal(400);
      expect(response.body.errors, email).to.deep.equal({
        email: ['Enter a valid email address.'],
      });
    }
    const blank = await register(valid({ email: '   ' }));
    expect(blank.body.errors).to.deep.equal({ email: ['This field may not be blank.'] });
    expect(await userCount()).to.equal(0);
  });

  it('reports a taken email and a weak password together', async () => {
    const email = uniqueEmail('both');
    expect((await register(valid({ email }))).status).to.equal(201);
    const response = await register(
      valid({ email, password: '12345678', password_confirm: '12345678' }),
    );
    expect(response.status).to.equal(400);
    expect(response.body.errors.email).to.deep.equal(['A user with this email already exists.']);
    expect(response.body.errors.password).to.include('This password is entirely numeric.');
  });

  it('names every missing field as required', async () => {
    const response = await register({});
    expect(response.status).to.equal(400);
    expect(response.body.code).to.equal('VALIDATION_ERROR');
    expect(response.body.errors).to.deep.equal({
      email: ['This field is required.'],
      full_name: ['This field is required.'],
      password: ['This field is required.'],
      password_confirm: ['This field is required.'],
    });
  });

  it('ignores read-only fields sent with the registration', async () => {
    const forgedId = '00000000-0000-4000-8000-000000000001';
    const response = await register(
      valid({ id: forgedId, is_staff: true, is_verified: true, is_superuser: true }),
    );
    expect(response.status).to.equal(201);
    expect(response.body.user).to.include({ is_staff: false, is_verified: false });
    expect(response.body.user.id).to.not.equal(forgedId);
    const row = await userRow(testApp, response.body.user.email);
    expect(row).to.include({ isStaff: false, isVerified: false, isSuperuser: false });
    expect(row.id).to.not.equal(forgedId);
  });

  it('sends a welcome email to the stored address', async () => {
    const email = uniqueEmail('Welcome');
    await register(valid({ email: email.toUpperCase(), full_name: 'Ada Lovelace' }));
    const welcome = testApp.mailer.last('welcome');
    expect(welcome).to.include({ to: email.toLowerCase() });
    expect(testApp.mailer.sent).to.have.length(1);
  });

  it('sends no email when registration fails', async () => {
    await register(valid({ password: 'sunshine', password_confirm: 'sunshine' }));
    expect(testApp.mailer.sent).to.have.length(0);
  });

  describe('over tRPC', () => {
    it('registers with the same rules and returns dates as Date', async () => {
      const email = uniqueEmail('trpc');
      const result = await testApp.caller().auth.register({
        email: ` ${email.toUpperCase()} `,
        full_name: 'Ada Lovelace',
        password: STRONG_PASSWORD,
        password_confirm: STRONG_PASSWORD,
      });
      expect(result.user.email).to.equal(email.toLowerCase());
      expect(result.user.created_at).to.be.instanceOf(Date);
      expect(result.tokens).to.have.keys('access', 'refresh');
      expect((await userRow(testApp, email)).id).to.equal(result.user.id);

      const taken = await appErrorOf(
        testApp.caller().auth.register({
          email: email.toUpperCase(),
          full_name: 'X',
          password: STRONG_PASSWORD,
          password_confirm: STRONG_PASSWORD,
        }),
      );
      expect(taken.code).to.equal('VALIDATION_ERROR');
      expect(taken.fieldErrors).to.deep.equal({
        email: ['A user with this email already exists.'],
      });

      const mismatch = await appErrorOf(
        testApp.caller().auth.register({
          email: uniqueEmail(),
          full_name: 'X',
          password: STRONG_PASSWORD,
          password_confirm: 'different',
        }),
      );
      expect(mismatch.fieldErrors).to.deep.equal({
        password_confirm: ['Passwords do not match.'],
      });
      expect(await userCount()).to.equal(1);
    });
  });
});
