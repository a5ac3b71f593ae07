import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { authService } from '@auth-service/testing/mocha';
import { expect } from 'chai';
import { createNotesApi } from '../src/app.js';

describe('the notes API with auth-service in the loop', () => {
  let server: Server;
  let notesUrl: string;

  before(async () => {
    server = createServer(createNotesApi({ authUrl: authService().url }).callback());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    notesUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise((resolve) => server.close(resolve)));

  const notes = (access: string) =>
    fetch(`${notesUrl}/notes`, { headers: { authorization: `Bearer ${access}` } });

  it('sends the signup mail, whose link verifies the account', async () => {
    const auth = authService();
    const client = auth.client();
    const password = 'Notes-Example-Passw0rd';
    await client.auth.register.mutate({
      email: 'ada@example.test',
      full_name: 'Ada',
      password,
      password_confirm: password,
    });
    const mail = await auth.mailbox.waitFor('ada@example.test', { kind: 'welcome' });
    await client.auth.verifyEmail.mutate({ token: mail.token! });
    expect((await client.profile.get.query()).is_verified).to.equal(true);
  });

  it('serves a signed-in user, and refuses a revoked token', async () => {
    const { user, tokens } = await authService().createUser();
    expect((await notes(tokens.access)).status).to.equal(200);
    await authService().revokeAllSessions(user);
    expect((await notes(tokens.access)).status).to.equal(401);
  });

  it('refuses an access token once it has expired', async () => {
    const { tokens } = await authService().createUser();
    authService().clock.advance('16m');
    expect((await notes(tokens.access)).status).to.equal(401);
  });

  it('locks a deactivated user out', async () => {
    const { user, email, password, tokens } = await authService().createUser();
    await authService().deactivate(user);
    expect((await notes(tokens.access)).status).to.equal(401);
    const login = await authService().request('login/', { body: { email, password } });
    expect(login).to.be.authError('AUTHENTICATION_FAILED');
  });
});
