import { rmSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

/**
 * Two builds from one source. The declaration file is bundled: the server types that
 * `AppRouter` reaches are inlined, so the package names no server path. superjson is ESM only,
 * so the CommonJS build carries its own copy (a `require` of an ES module needs Node 20.19+).
 */
const shared: Options = {
  entry: ['src/index.ts', 'src/react.ts'],
  // The React entry imports the main one by its package name, so both share one AuthClientError
  // (instanceof holds) instead of each carrying a copy.
  external: ['@auth-service/client', 'react'],
  dts: true,
  target: 'es2022',
  platform: 'neutral',
  sourcemap: false,
  splitting: false,
  treeshake: true,
};

// Cleaned here, once: tsup runs the two builds in parallel, so `clean` on either could race.
rmSync('dist', { recursive: true, force: true });

// The declarations are worked out once (bundling the server's types is the slow part of the
// build); the package's build script copies them to .d.cts for `require`, the same text tsup
// would write there.
export default defineConfig([
  { ...shared, format: 'esm' },
  { ...shared, format: 'cjs', dts: false, noExternal: ['superjson', 'copy-anything'] },
]);
