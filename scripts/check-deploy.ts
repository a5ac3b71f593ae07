/**
 * `npm run check:deploy [-- <repository root>]`: validates every deployment file offline
 * (no Docker engine, no cluster, no network) and exits 1 when any of them is invalid.
 *
 *   Dockerfile + .dockerignore   dockerfile-utils lint, image policy, build-context check
 *   docker-compose.yml           Compose Specification schema + dclint rules + stack policy
 *   deploy/kubernetes/*.yaml     Kubernetes OpenAPI schemas (strict fields) + cross-checks
 *   render.yaml, railway.json    strict schemas of the documented fields + cross-checks
 */
import { resolve } from 'node:path';
import { checkCompose } from './deploy/compose.js';
import { checkDockerfile } from './deploy/dockerfile.js';
import { checkKubernetes } from './deploy/kubernetes.js';
import { checkRailway, checkRender } from './deploy/platforms.js';
import type { CheckResult } from './deploy/report.js';

const root = resolve(process.argv[2] ?? '.');

const checks: [string, (root: string) => CheckResult | Promise<CheckResult>][] = [
  ['Dockerfile', checkDockerfile],
  ['Compose', checkCompose],
  ['Kubernetes', checkKubernetes],
  ['Render', checkRender],
  ['Railway', checkRailway],
];

let failed = 0;
for (const [label, check] of checks) {
  let result: CheckResult;
  try {
    result = await check(root);
  } catch (error) {
    // A file that is missing or cannot be parsed at all still fails the run, with a reason.
    console.error(`✗ ${label}: ${(error as Error).message}`);
    failed += 1;
    continue;
  }
  for (const file of result.files) {
    const problems = result.problems.filter((problem) => problem.file === file);
    if (problems.length === 0) {
      console.log(`✓ ${file}`);
      continue;
    }
    failed += problems.length;
    console.error(`✗ ${file}`);
    for (const problem of problems) {
      console.error(
        `    ${problem.line === undefined ? '' : `line ${problem.line}: `}${problem.message}`,
      );
    }
  }
}

if (failed > 0) {
  console.error(`\ncheck:deploy: ${failed} problem(s) found`);
  process.exit(1);
}
console.log('\ncheck:deploy: all deployment files are valid');
