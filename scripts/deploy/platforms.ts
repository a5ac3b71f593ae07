/**
 * render.yaml and railway.json. Neither platform publishes its JSON schema as a package (they
 * are served from render.com and railway.com, which CI cannot reach), so each file is held to
 * a strict zod schema of the fields this project uses, with the types and values the
 * platforms document: an unknown or misspelt key is an error. Extend the schema when you
 * adopt another documented field. Cross-references (fromDatabase, fromService) and the
 * service's own needs (the readiness path, migrations, secrets, the shutdown's length) are
 * checked on top.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { isProbePath, PRODUCTION_SHUTDOWN, READINESS_PATH } from './probes.js';
import { productionSettingProblems } from './production-settings.js';
import { type CheckResult, FileReport } from './report.js';

const MIGRATE_COMMAND = 'node dist/db/migrate.js up';

const name = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes');
const plainValue = z.union([z.string(), z.number(), z.boolean()]);

const renderEnvVar = z.union([
  z.strictObject({ key: z.string().min(1), value: plainValue }),
  z.strictObject({ key: z.string().min(1), generateValue: z.literal(true) }),
  z.strictObject({ key: z.string().min(1), sync: z.literal(false) }),
  z.strictObject({
    key: z.string().min(1),
    fromDatabase: z.strictObject({
      name,
      property: z.enum(['connectionString', 'host', 'port', 'user', 'password', 'database']),
    }),
  }),
  z.strictObject({
    key: z.string().min(1),
    fromService: z.strictObject({
      type: z.enum(['web', 'pserv', 'worker', 'cron', 'keyvalue', 'redis']),
      name,
      property: z.enum(['host', 'port', 'hostport', 'connectionString']).optional(),
      envVarKey: z.string().optional(),
    }),
  }),
  z.strictObject({ fromGroup: z.string().min(1) }),
]);

const renderWebService = z.strictObject({
  type: z.enum(['web', 'pserv', 'worker']),
  name,
  runtime: z.enum(['docker', 'image', 'node']),
  plan: z.string().min(1).optional(),
  region: z.enum(['oregon', 'ohio', 'virginia', 'frankfurt', 'singapore']).optional(),
  repo: z.url().optional(),
  branch: z.string().optional(),
  rootDir: z.string().optional(),
  dockerfilePath: z.string().optional(),
  dockerContext: z.string().optional(),
  dockerCommand: z.string().optional(),
  buildCommand: z.string().optional(),
  startCommand: z.string().optional(),
  preDeployCommand: z.string().optional(),
  healthCheckPath: z.string().startsWith('/').optional(),
  numInstances: z.int().min(1).optional(),
  autoDeployTrigger: z.enum(['commit', 'checksPass', 'off']).optional(),
  envVars: z.array(renderEnvVar).optional(),
});

const renderKeyValue = z.strictObject({
  type: z.enum(['keyvalue', 'redis']),
  name,
  plan: z.string().min(1).optional(),
  region: z.string().optional(),
  maxmemoryPolicy: z
    .enum([
      'allkeys-lru',
      'volatile-lru',
      'allkeys-lfu',
      'volatile-lfu',
      'allkeys-random',
      'volatile-random',
      'volatile-ttl',
      'noeviction',
    ])
    .optional(),
  ipAllowList: z.array(z.strictObject({ source: z.string(), description: z.string().optional() })),
});

const renderDatabase = z.strictObject({
  name,
  plan: z.string().min(1).optional(),
  region: z.string().optional(),
  databaseName: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .optional(),
  user: z
    .string()
    .regex(/^[a-z_][a-z0-9_]*$/)
    .optional(),
  postgresMajorVersion: z.enum(['13', '14', '15', '16', '17', '18']).optional(),
  highAvailability: z.strictObject({ enabled: z.boolean() }).optional(),
  ipAllowList: z
    .array(z.strictObject({ source: z.string(), description: z.string().optional() }))
    .optional(),
});

const renderBlueprint = z.strictObject({
  services: z.array(z.union([renderWebService, renderKeyValue])).min(1),
  databases: z.array(renderDatabase).optional(),
  envVarGroups: z.array(z.strictObject({ name, envVars: z.array(renderEnvVar) })).optional(),
});

const railwayConfig = z.strictObject({
  $schema: z.literal('https://railway.com/railway.schema.json').optional(),
  build: z
    .strictObject({
      builder: z.enum(['RAILPACK', 'DOCKERFILE', 'NIXPACKS']),
      dockerfilePath: z.string().nullable().optional(),
      buildCommand: z.string().nullable().optional(),
      watchPatterns: z.array(z.string()).optional(),
    })
    .optional(),
  deploy: z
    .strictObject({
      startCommand: z.string().nullable().optional(),
      preDeployCommand: z.array(z.string()).nullable().optional(),
      healthcheckPath: z.string().startsWith('/').nullable().optional(),
      healthcheckTimeout: z.int().positive().nullable().optional(),
      restartPolicyType: z.enum(['ON_FAILURE', 'ALWAYS', 'NEVER']).optional(),
      restartPolicyMaxRetries: z.int().min(0).nullable().optional(),
      numReplicas: z.int().min(1).nullable().optional(),
      overlapSeconds: z.number().min(0).nullable().optional(),
      drainingSeconds: z.number().min(0).nullable().optional(),
      sleepApplication: z.boolean().nullable().optional(),
      region: z.string().nullable().optional(),
    })
    .optional(),
});

function schemaProblems(result: z.ZodSafeParseResult<unknown>, report: FileReport) {
  if (result.success) return;
  for (const issue of result.error.issues) {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    const detail =
      issue.code === 'invalid_union' ? 'matches none of the documented forms' : issue.message;
    report.add(`${where}: ${detail}`);
  }
}

export function checkRender(root: string): CheckResult {
  const report = new FileReport('render.yaml');
  const blueprint: unknown = parse(readFileSync(join(root, 'render.yaml'), 'utf8'));
  const result = renderBlueprint.safeParse(blueprint);
  schemaProblems(result, report);
  if (!result.success) return { files: [report.file], problems: report.problems };

  const { services, databases = [] } = result.data;
  const web = services.find((service) => service.type === 'web');
  report.check(web, 'needs a service of type web');
  if (web && 'runtime' in web) {
    // Render routes traffic and gates deploys on it (and restarts an instance failing it for
    // long): readiness, which a Redis outage leaves passing.
    report.check(
      isProbePath(web.healthCheckPath, READINESS_PATH),
      `the web service's healthCheckPath must be ${READINESS_PATH}`,
    );
    if (web.runtime === 'docker') {
      report.check(
        existsSync(join(root, web.dockerfilePath ?? 'Dockerfile')),
        `dockerfilePath ${web.dockerfilePath} does not exist`,
      );
    }
    const envVars = web.envVars ?? [];
    const byKey = new Map(
      envVars.flatMap((envVar) => ('key' in envVar ? [[envVar.key, envVar] as const] : [])),
    );
    const secret = byKey.get('SECRET_KEY');
    report.check(
      secret && ('generateValue' in secret || 'sync' in secret),
      'SECRET_KEY must be generated (generateValue: true) or entered (sync: false), never written here',
    );
    const literal = (key: string) => {
      const envVar = byKey.get(key);
      return envVar && 'value' in envVar ? String(envVar.value) : undefined;
    };
    report.check(literal('NODE_ENV') === 'production', 'NODE_ENV must be production');
    for (const key of ['DATABASE_URL', 'REDIS_URL'])
      report.check(byKey.has(key), `${key} must be set`);
    // A literal value is known here; any other source is entered or wired at deploy time.
    const deployed = new Map([...byKey.keys()].map((key) => [key, literal(key) ?? null]));
    for (const problem of productionSettingProblems(deployed)) report.add(problem);
    const migratesAtStart = literal('MIGRATE_ON_START') === 'true';
    report.check(
      web.preDeployCommand === MIGRATE_COMMAND || migratesAtStart,
      `run migrations: preDeployCommand "${MIGRATE_COMMAND}" or MIGRATE_ON_START=true`,
    );
    for (const envVar of envVars) {
      if ('fromDatabase' in envVar) {
        report.check(
          databases.some((db) => db.name === envVar.fromDatabase.name),
          `${envVar.key}: no database named "${envVar.fromDatabase.name}"`,
        );
      }
      if ('fromService' in envVar) {
        const { type, name: target } = envVar.fromService;
        report.check(
          services.some((service) => service.name === target && service.type === type),
          `${envVar.key}: no ${type} service named "${target}"`,
        );
      }
    }
  }
  const keyValue = services.find(
    (service) => service.type === 'keyvalue' || service.type === 'redis',
  );
  report.check(
    keyValue && 'maxmemoryPolicy' in keyValue && keyValue.maxmemoryPolicy === 'noeviction',
    'the Key Value instance must use maxmemoryPolicy noeviction (tokens and rate limits must not be evicted)',
  );
  return { files: [report.file], problems: report.problems };
}

export function checkRailway(root: string): CheckResult {
  const report = new FileReport('railway.json');
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(join(root, 'railway.json'), 'utf8'));
  } catch (error) {
    report.add(`not valid JSON: ${(error as Error).message}`);
    return { files: [report.file], problems: report.problems };
  }
  const result = railwayConfig.safeParse(config);
  schemaProblems(result, report);
  if (!result.success) return { files: [report.file], problems: report.problems };

  const { build, deploy } = result.data;
  // Railway switches traffic to a new deployment once this passes: readiness.
  report.check(
    isProbePath(deploy?.healthcheckPath, READINESS_PATH),
    `deploy.healthcheckPath must be ${READINESS_PATH}`,
  );
  report.check(deploy?.startCommand, 'deploy.startCommand must be set');
  report.check(
    deploy?.preDeployCommand?.includes(MIGRATE_COMMAND),
    `deploy.preDeployCommand must run "${MIGRATE_COMMAND}"`,
  );
  if (build?.builder === 'DOCKERFILE') {
    report.check(
      existsSync(join(root, build.dockerfilePath ?? 'Dockerfile')),
      `build.dockerfilePath ${build.dockerfilePath} does not exist`,
    );
  }
  // Railway sends SIGKILL this long after SIGTERM; by default the service then reports not
  // ready for 5 s and drains for up to 10 s.
  const shutdownSeconds = PRODUCTION_SHUTDOWN.delaySeconds + PRODUCTION_SHUTDOWN.timeoutSeconds;
  report.check(
    (deploy?.drainingSeconds ?? 0) > shutdownSeconds,
    `deploy.drainingSeconds must exceed the ${shutdownSeconds} s shutdown (SHUTDOWN_DELAY_SECONDS + SHUTDOWN_TIMEOUT_SECONDS)`,
  );
  return { files: [report.file], problems: report.problems };
}
