/**
 * `npm start` runs this first: when the admin console has not been built yet (a fresh clone),
 * it builds it (`npm run build:console`), so /admin/ works with nothing else to do. A failed
 * build does not stop the service: /admin/ then says to run `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const directory = process.env.ADMIN_CONSOLE_DIR || join('admin-console', 'dist');

if (!process.env.ADMIN_CONSOLE_DIR && !existsSync(join(directory, 'index.html'))) {
  process.stdout.write(
    'The admin console has not been built yet: building it (npm run build:console)\n',
  );
  const build = spawnSync('npm', ['run', '--silent', 'build:console'], { stdio: 'inherit' });
  if (build.status !== 0) {
    process.stderr.write(
      'Could not build the admin console; the service starts anyway and /admin/ says to run npm run build.\n',
    );
  }
}
