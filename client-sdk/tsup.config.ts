import { rmSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

/**
 * Two builds from one source. The declaration file is bundled: the server types that
 * `AppRouter` reaches are inlined, so the package names no server path. superjson is ESM only,
 * so the CommonJS build carries its own copy (a `require` of an ES module needs Node 20.19+).
 */
const shared: Options = {
  entry: ['src/index.ts'],
  dts: true,
  target: 'es2022',
  platform: 'neutral',
  sourcemap: false,
  splitting: false,
  treeshake: true,
};

// Cleaned here, once: tsup runs the two builds in parallel, so `clean` on either could race.
rmSync('dist', { recursive: true, force: true });

export default defineConfig([
  { ...shared, format: 'esm' },
  { ...shared, format: 'cjs', noExternal: ['superjson', 'copy-anything'] },
]);
