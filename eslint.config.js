// @ts-check
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** Imports flow one way: routers → services → repositories → db, with lib/ beside the services. */
const restrict = (patterns) => ({
  'no-restricted-imports': [
    'error',
    { patterns: patterns.map(([group, message]) => ({ group, message })) },
  ],
});

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '**/dist/**',
      'coverage/**',
      'client-sdk/dist/**',
      'admin-console/dist/**',
      'examples/*/dist/**',
      '.data/**',
      'bench-results/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  // Later blocks override earlier ones for the same rule, so the general rule comes first.
  {
    files: ['server/**/*.ts'],
    ignores: ['server/http/routes.ts', 'server/routers/**'],
    rules: restrict([
      [
        ['**/routers/**'],
        'Only the route table (http/routes.ts), tests and the SDK import routers.',
      ],
    ]),
  },
  {
    files: ['server/services/**/*.ts'],
    rules: restrict([
      [
        ['koa', '@koa/*', 'koa-*', '@trpc/*', '**/routers/**', '**/trpc/**', '**/http/**'],
        'Services are framework-free: no Koa, tRPC, routers or HTTP.',
      ],
      [['sequelize', '**/db/**'], 'Services reach the database only through repositories.'],
      [
        ['prom-client', '@opentelemetry/*', '**/observability/**'],
        'Report through lib/telemetry.ts; metrics and traces are wired in deps.ts.',
      ],
    ]),
  },
  {
    files: ['server/routers/**/*.ts'],
    rules: restrict([
      [
        ['**/repositories/**', '**/db/**', 'sequelize', 'redis'],
        'Routers call services; they never touch repositories or the database.',
      ],
    ]),
  },
  {
    files: [
      'server/repositories/**/*.ts',
      'server/lib/**/*.ts',
      'server/schemas/**/*.ts',
      'db/**/*.ts',
    ],
    ignores: ['db/migrate.ts'],
    rules: restrict([
      [
        ['**/services/**', '**/routers/**', '**/trpc/**', '**/http/**', 'koa', '@trpc/*'],
        'Lower layers never import upper ones.',
      ],
    ]),
  },
  {
    // lib/ is small tools behind small interfaces: it knows neither the database nor the
    // environment; the composition root (deps.ts) hands it what it needs.
    files: ['server/lib/**/*.ts'],
    rules: restrict([
      [
        ['**/services/**', '**/routers/**', '**/trpc/**', '**/http/**', 'koa', '@trpc/*'],
        'Lower layers never import upper ones.',
      ],
      [
        ['**/repositories/**', '**/db/**', '**/config/**', '**/email/**'],
        'lib/ knows neither the database nor the configuration: it is given what it needs.',
      ],
      [
        ['prom-client', '@opentelemetry/*', '**/observability/**'],
        'Report through lib/telemetry.ts; metrics and traces are wired in deps.ts.',
      ],
    ]),
  },
  {
    files: ['server/schemas/**/*.ts'],
    rules: restrict([
      [
        ['sequelize', 'redis', 'koa', '**/lib/**', '**/repositories/**'],
        'Schemas import zod only.',
      ],
    ]),
  },
  {
    files: ['client-sdk/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              // The project's server/ directory; tRPC's own `@trpc/server/*` entry points are fine.
              group: ['**/server/**', '!@trpc/server/**'],
              allowTypeImports: true,
              message: 'The SDK imports only types from the server.',
            },
          ],
        },
      ],
    },
  },
  {
    files: [
      'admin-console/src/**/*.{ts,tsx}',
      'examples/*/src/**/*.{ts,tsx}',
      'client-sdk/src/react.ts',
    ],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // The console reaches the service only through the SDK, as its first real user.
    files: ['admin-console/src/**/*.{ts,tsx}'],
    rules: restrict([
      [
        ['**/server/**', '**/client-sdk/**', '@trpc/*'],
        'The console talks to the service only through @auth-service/client.',
      ],
    ]),
  },
);
