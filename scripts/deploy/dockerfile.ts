/**
 * Dockerfile: linted with dockerfile-utils (the validator behind the VS Code Docker
 * extension; every rule raised to an error), then held to the image's contract: pinned base
 * images, a production-only runtime that runs unprivileged, a liveness health check, exec-form
 * CMD, node started with the flags `npm run start:prod` gives it, and COPY sources that
 * .dockerignore actually lets into the build context.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import dockerignore from '@balena/dockerignore';
import { Copy, DockerfileParser, Env, type Instruction } from 'dockerfile-ast';
import { validate, ValidationSeverity, type ValidatorSettings } from 'dockerfile-utils';
import { LIVENESS_PATH, probesOnly } from './probes.js';
import { type CheckResult, FileReport } from './report.js';

// The package is CommonJS (`module.exports = ignore`) but declares an ES default export.
const ignore = dockerignore as unknown as (typeof dockerignore)['default'];

const FILE = 'Dockerfile';
const IGNORE_FILE = '.dockerignore';
const PORT = '8000';

const STRICT: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

interface Stage {
  name: string | null;
  image: string;
  line: number;
  instructions: Instruction[];
}

export function checkDockerfile(root: string): CheckResult {
  const report = new FileReport(FILE);
  const text = readFileSync(join(root, FILE), 'utf8');

  for (const diagnostic of validate(text, STRICT)) {
    const message =
      typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value;
    report.add(message, diagnostic.range.start.line + 1);
  }

  const dockerfile = DockerfileParser.parse(text);
  const lineOf = (instruction: Instruction) => instruction.getRange().start.line + 1;
  const args = new Map<string, string>();
  for (const arg of dockerfile.getInitialARGs()) {
    const property = arg.getProperty();
    const name = property?.getName();
    if (name) args.set(name, property?.getValue() ?? '');
  }
  const expand = (value: string) =>
    value.replace(
      /\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g,
      (_match, name: string) => args.get(name) ?? '',
    );

  const stages: Stage[] = [];
  for (const instruction of dockerfile.getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const from = dockerfile
        .getFROMs()
        .find((candidate) => lineOf(candidate) === lineOf(instruction));
      stages.push({
        name: from?.getBuildStage() ?? null,
        image: expand(from?.getImage() ?? ''),
        line: lineOf(instruction),
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  if (stages.length === 0) {
    report.add('no FROM instruction');
    return { files: [FILE, IGNORE_FILE], problems: report.problems };
  }

  const stageNames = new Set(stages.map((stage) => stage.name).filter(Boolean));
  for (const stage of stages) {
    if (stageNames.has(stage.image)) continue;
    const match =
      /^(?<name>[^@]+?)(?::(?<tag>[\w][\w.-]*))?(?:@(?<digest>sha256:[0-9a-f]{64}))?$/.exec(
        stage.image,
      );
    const tag = match?.groups?.tag;
    report.check(
      match?.groups?.digest ||
        (tag && !/^(latest|lts|current|slim|bookworm-slim)$/.test(tag) && /\d/.test(tag)),
      `base image "${stage.image}" is not pinned to a version tag or digest`,
      stage.line,
    );
  }

  const words = (instruction: Instruction) => instruction.getArguments().map((a) => a.getValue());
  const runtime = stages.at(-1)!;
  const find = (keyword: string) => runtime.instructions.filter((i) => i.getKeyword() === keyword);

  const users = find('USER');
  const user = users.at(-1) ? (words(users.at(-1)!)[0] ?? '') : '';
  report.check(
    user && !/^(root|0)(:|$)/.test(user),
    'the runtime stage must switch to a non-root USER',
    runtime.line,
  );

  const healthchecks = find('HEALTHCHECK');
  report.check(
    healthchecks.some((h) => probesOnly(h.getRawArgumentsContent() ?? '', LIVENESS_PATH)),
    `the runtime stage needs a HEALTHCHECK that probes liveness, ${LIVENESS_PATH} (runtimes restart an unhealthy container)`,
    runtime.line,
  );
  report.check(
    find('EXPOSE').some((e) => words(e).some((port) => port.split('/')[0] === PORT)),
    `the runtime stage must EXPOSE ${PORT}`,
    runtime.line,
  );

  const commands = [...find('CMD'), ...find('ENTRYPOINT')];
  report.check(commands.length > 0, 'the runtime stage needs a CMD', runtime.line);
  for (const command of commands) {
    report.check(
      (command.getRawArgumentsContent() ?? '').trim().startsWith('['),
      `${command.getKeyword()} must use the exec (JSON) form so the process receives SIGTERM`,
      lineOf(command),
    );
  }

  // The V8 flags production runs with are declared by `npm run start:prod`; the image passes
  // them through NODE_OPTIONS, so the CMD stays plain and a runtime's own command keeps them.
  const nodeOptions = find('ENV')
    .flatMap((env) => (env instanceof Env ? env.getProperties() : []))
    .filter((property) => property.getName() === 'NODE_OPTIONS')
    .map((property) => property.getValue() ?? '')
    .join(' ')
    .split(/\s+/);
  for (const flag of startProdNodeFlags(root)) {
    report.check(
      nodeOptions.includes(flag),
      `the runtime stage's NODE_OPTIONS must carry ${flag}, as \`npm run start:prod\` does`,
      runtime.line,
    );
  }

  const production = stages.find((stage) =>
    stage.instructions.some(
      (i) =>
        i.getKeyword() === 'RUN' &&
        /npm (ci|prune)\b[^&|;]*--omit=dev/.test(i.getRawArgumentsContent() ?? ''),
    ),
  );
  report.check(
    production,
    'no stage installs production dependencies (`npm ci --omit=dev` or `npm prune --omit=dev`)',
  );
  const copiesModulesFrom = find('COPY')
    .filter((copy) => words(copy).some((word) => word.includes('node_modules')))
    .map(copyFrom);
  report.check(
    production && production !== runtime
      ? copiesModulesFrom.includes(production.name ?? '')
      : Boolean(production),
    'the runtime stage must take node_modules from the production-dependencies stage',
    runtime.line,
  );
  report.check(
    stages.some((stage) =>
      stage.instructions.some((i) => /npm run build\b/.test(i.getRawArgumentsContent() ?? '')),
    ),
    'no stage runs `npm run build`',
  );
  for (const needed of ['dist', 'templates', 'package.json']) {
    report.check(
      find('COPY').some((copy) =>
        words(copy)
          .slice(0, -1)
          .some((word) => word.replace(/^\/app\//, '').replace(/\/$/, '') === needed),
      ),
      `the runtime stage must COPY ${needed}`,
      runtime.line,
    );
  }

  for (const instruction of dockerfile.getInstructions()) {
    report.check(
      instruction.getKeyword() !== 'ADD',
      'use COPY instead of ADD',
      lineOf(instruction),
    );
  }

  // Every COPY from the build context must survive .dockerignore and exist in the repository.
  const ignorePath = join(root, IGNORE_FILE);
  const ignoreReport = new FileReport(IGNORE_FILE);
  ignoreReport.check(existsSync(ignorePath), '.dockerignore is missing');
  const context = ignore().add(existsSync(ignorePath) ? readFileSync(ignorePath, 'utf8') : '');
  for (const copy of dockerfile.getInstructions().filter((i) => i.getKeyword() === 'COPY')) {
    if (copyFrom(copy)) continue;
    const sources = words(copy)
      .filter((word) => !word.startsWith('--'))
      .slice(0, -1);
    for (const source of sources) {
      const relative = source.replace(/^\.\//, '').replace(/\/$/, '');
      report.check(
        existsSync(join(root, relative)),
        `COPY source "${source}" does not exist`,
        lineOf(copy),
      );
      ignoreReport.check(
        !context.ignores(relative),
        `excludes "${relative}", which the Dockerfile copies (line ${lineOf(copy)})`,
      );
    }
  }
  for (const secret of ['.env', 'node_modules/x', '.git/HEAD', 'dist/server/index.js']) {
    ignoreReport.check(
      context.ignores(secret),
      `must keep "${secret.split('/')[0]}" out of the build context`,
    );
  }

  return { files: [FILE, IGNORE_FILE], problems: [...report.problems, ...ignoreReport.problems] };
}

/** The stage (or image) a COPY takes its files from, or undefined for the build context. */
function copyFrom(instruction: Instruction): string | undefined {
  return instruction instanceof Copy
    ? (instruction.getFromFlag()?.getValue() ?? undefined)
    : undefined;
}

/** The node flags of package.json's `start:prod` (`node --flag dist/server/index.js`). */
function startProdNodeFlags(root: string): string[] {
  const scripts = (
    JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    }
  ).scripts;
  return (scripts?.['start:prod'] ?? '').split(/\s+/).filter((word) => word.startsWith('--'));
}
