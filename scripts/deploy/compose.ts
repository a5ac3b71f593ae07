/**
 * docker-compose.yml: validated against the Compose Specification JSON schema (the copy that
 * ships inside dclint, so no network is needed) plus dclint's default rules, then against
 * what this stack promises: health-gated start-up, a readiness healthcheck for the service,
 * declared volumes, production settings.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { DCLinter } from 'dclint';
import { parse } from 'yaml';
import { probesOnly, READINESS_PATH } from './probes.js';
import { composeDefault, productionSettingProblems } from './production-settings.js';
import { type CheckResult, FileReport, isRecord, recordAt } from './report.js';

const FILE = 'docker-compose.yml';

/** The part of dclint's result used here (its bundled declarations do not resolve under NodeNext). */
interface LintMessage {
  rule: string;
  message: string;
  line: number;
}

export function checkCompose(root: string): CheckResult {
  const report = new FileReport(FILE);
  const path = join(root, FILE);

  // dclint's default rules, each one (warnings included) a problem: the same verdict as
  // `dclint --max-warnings 0 docker-compose.yml`.
  const linter = new DCLinter({ rules: {}, quiet: false, debug: false, exclude: [] });
  const results = linter.lintFiles([path], false) as { messages: LintMessage[] }[];
  const messages = results.flatMap((result) => result.messages);
  for (const message of messages) {
    // dclint names only the first schema error; schemaErrors() below lists them all.
    if (message.rule !== 'invalid-schema')
      report.add(`${message.message} [${message.rule}]`, message.line);
  }
  if (messages.some((m) => ['invalid-yaml', 'unknown-error'].includes(m.rule))) {
    return { files: [FILE], problems: report.problems };
  }

  const compose: unknown = parse(readFileSync(path, 'utf8'));
  const schemaMessages = schemaErrors(compose);
  for (const message of schemaMessages) report.add(`Compose Specification: ${message}`);
  if (schemaMessages.length > 0) return { files: [FILE], problems: report.problems };
  const services = recordAt(compose, 'services');
  for (const name of ['web', 'db', 'redis'])
    report.check(name in services, `service "${name}" is missing`);

  for (const [name, service] of Object.entries(services)) {
    const healthcheck = recordAt(service, 'healthcheck');
    report.check(
      'test' in healthcheck && healthcheck.disable !== true,
      `service "${name}" has no healthcheck`,
    );
    for (const volume of namedVolumes(service)) {
      report.check(
        volume in recordAt(compose, 'volumes'),
        `service "${name}" mounts volume "${volume}", which is not declared under top-level volumes`,
      );
    }
    for (const [dependency, options] of Object.entries(recordAt(service, 'depends_on'))) {
      report.check(
        dependency in services,
        `service "${name}" depends on unknown service "${dependency}"`,
      );
      report.check(
        recordAt(options).condition !== 'service_healthy' ||
          'healthcheck' in recordAt(services, dependency),
        `service "${name}" waits for "${dependency}" to be healthy, but it has no healthcheck`,
      );
    }
  }

  const web = recordAt(services, 'web');
  for (const dependency of ['db', 'redis']) {
    report.check(
      recordAt(web, 'depends_on', dependency).condition === 'service_healthy',
      `web must wait for ${dependency} with "condition: service_healthy"`,
    );
  }
  const environment = recordAt(web, 'environment');
  report.check(environment.NODE_ENV === 'production', 'web must run with NODE_ENV=production');
  for (const key of ['SECRET_KEY', 'DATABASE_URL', 'REDIS_URL', 'MIGRATE_ON_START']) {
    report.check(key in environment, `web environment must set ${key}`);
  }
  // As the stack starts with no .env: each variable at its default ("" is unset, as in the service).
  const started = new Map<string, string | null>();
  for (const [key, value] of Object.entries(environment)) {
    const resolved = composeDefault(String(value ?? ''));
    if (resolved !== '') started.set(key, resolved);
  }
  for (const problem of productionSettingProblems(started)) report.add(`web: ${problem}`);
  const envFiles = Array.isArray(web.env_file) ? web.env_file : [];
  report.check(
    envFiles.some((entry) => isRecord(entry) && entry.path === '.env' && entry.required === false),
    'web must read an optional .env (env_file: [{path: .env, required: false}])',
  );
  const probe = recordAt(web, 'healthcheck').test;
  report.check(
    probesOnly(Array.isArray(probe) ? probe.join(' ') : String(probe ?? ''), READINESS_PATH),
    `web's healthcheck must probe readiness, ${READINESS_PATH} (healthy = ready to serve; /health/ also fails when only Redis is down)`,
  );
  report.check(
    web.init === true,
    'web must run with "init: true" so signals reach node and zombies are reaped',
  );

  return { files: [FILE], problems: report.problems };
}

/** Named volumes a service mounts (short `name:/path` syntax or long `type: volume`). */
function namedVolumes(service: unknown): string[] {
  const volumes = isRecord(service) && Array.isArray(service.volumes) ? service.volumes : [];
  const names: string[] = [];
  for (const volume of volumes) {
    if (typeof volume === 'string') {
      const source = volume.split(':')[0] ?? '';
      if (volume.includes(':') && !/^[./~$]/.test(source)) names.push(source);
    } else if (isRecord(volume) && volume.type === 'volume' && typeof volume.source === 'string') {
      names.push(volume.source);
    }
  }
  return names;
}

/**
 * The document against dclint's bundled copy of the Compose Specification schema, with every
 * error kept but only the most specific one per location (a wrong `condition` is reported
 * there, not as "depends_on must be array" from the other branch of a oneOf).
 */
function schemaErrors(document: unknown): string[] {
  const directory = dirname(createRequire(import.meta.url).resolve('dclint/package.json'));
  // Its `$schema` names draft-07 by an https address Ajv does not know; the schema is draft-07.
  const { $schema: _draft, ...schema } = JSON.parse(
    readFileSync(join(directory, 'schemas/compose.schema.json'), 'utf8'),
  ) as Record<string, unknown>;
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    allowUnionTypes: true,
    validateFormats: false,
  });
  const validate = ajv.compile(schema);
  if (validate(document)) return [];
  const errors: ErrorObject[] = (validate.errors ?? []).filter(
    (error) => !['oneOf', 'anyOf', 'if'].includes(error.keyword),
  );
  const deepest = errors.filter(
    (error) => !errors.some((other) => other.instancePath.startsWith(`${error.instancePath}/`)),
  );
  const describe = (error: ErrorObject) => {
    const where = error.instancePath.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    const extra =
      error.keyword === 'additionalProperties'
        ? ` ("${String((error.params as { additionalProperty?: string }).additionalProperty)}")`
        : error.keyword === 'enum'
          ? ` (${(error.params as { allowedValues?: unknown[] }).allowedValues?.join(', ')})`
          : '';
    return `${where} ${error.message ?? 'is invalid'}${extra}`;
  };
  return [...new Set(deepest.map(describe))];
}
