/**
 * `npm run routes` prints the route table from the router itself: each operation's REST method
 * and path, its tRPC procedure, guard, rate limits and password use.
 */
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';
import { routerShape as appRouter } from '../../server/routers/_app.js';
import { operationsOf } from '../../server/trpc/operations.js';
import { routeTable } from '../../scripts/routes.js';

/** The table's lines as cells (columns are separated by at least two spaces). */
const cellsOf = (table: string) => table.split('\n').map((line) => line.split(/\s{2,}/));

describe('npm run routes', () => {
  const operations = operationsOf(appRouter);
  const rows = cellsOf(routeTable(operations));

  it('lists login as a public POST with its limits and its password check', () => {
    expect(rows).to.deep.include([
      'POST',
      '/api/auth/login/',
      'auth.login',
      'public',
      'loginIp per IP',
      'checks',
    ]);
    expect(rows).to.deep.include([
      'POST',
      '/api/auth/change-password/',
      'auth.changePassword',
      'authenticated',
      'passwordCheckIp per IP, passwordCheckAccount per account',
      'checks',
    ]);
  });

  it('lists the staff routes with the staff guard and both methods of a two-method path', () => {
    expect(rows).to.deep.include([
      'GET',
      '/api/auth/admin/users/',
      'admin.listUsers',
      'staff',
      '-',
      '-',
    ]);
    expect(rows).to.deep.include([
      'PUT,PATCH',
      '/api/auth/profile/update/',
      'profile.update',
      'authenticated',
      '-',
      '-',
    ]);
  });

  it('has one line per operation of the router, under one heading, aligned', () => {
    const [heading, ...body] = rows;
    expect(heading).to.deep.equal([
      'REST',
      'PATH',
      'PROCEDURE',
      'GUARD',
      'RATE LIMITS',
      'PASSWORD',
    ]);
    expect(body.map((cells) => cells[2])).to.have.members(Object.keys(appRouter._def.procedures));
    const lines = routeTable(operations).split('\n');
    const column = (name: string) => lines[0]!.indexOf(name);
    for (const line of lines) {
      expect(line.slice(column('PROCEDURE')), line).to.match(/^\S/);
      expect(line.slice(column('GUARD')), line).to.match(/^(GUARD|public|authenticated|staff)\b/);
    }
  });

  it('runs as an npm script and prints the same table', function () {
    this.timeout(30_000);
    const printed = execFileSync('npm', ['run', '--silent', 'routes'], { encoding: 'utf8' });
    expect(printed).to.equal(`${routeTable(operations)}\n`);
  });
});
