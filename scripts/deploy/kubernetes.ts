/**
 * deploy/kubernetes/*.yaml: every object is validated against the Kubernetes OpenAPI schema
 * of its apiVersion/kind (the validators compiled into `kubernetes-models`, offline), with
 * unknown fields reported the way `kubectl apply --validate=strict` would; then the pieces
 * are checked against each other (kubernetes-relations.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { checkKustomization, checkRelations, type KubeObject } from './kubernetes-relations.js';
import { productionSettingProblems } from './production-settings.js';
import { type CheckResult, FileReport, isRecord, recordAt } from './report.js';

const DIRECTORY = 'deploy/kubernetes';
const KUSTOMIZATION = 'kustomization.yaml';

type Validatable = { prototype: { validate(this: unknown): void } };

export async function checkKubernetes(root: string): Promise<CheckResult> {
  const directory = join(root, DIRECTORY);
  const files = readdirSync(directory)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort();
  const reports = new Map(files.map((file) => [file, new FileReport(`${DIRECTORY}/${file}`)]));
  const objects: KubeObject[] = [];

  for (const file of files) {
    const report = reports.get(file)!;
    const documents = parseAllDocuments(readFileSync(join(directory, file), 'utf8'));
    for (const document of Array.isArray(documents) ? documents : [documents]) {
      for (const error of document.errors)
        report.add(`YAML: ${error.message}`, error.linePos?.[0]?.line);
      const body: unknown = document.toJS();
      if (body === null || body === undefined) continue;
      if (!isRecord(body)) {
        report.add('a document is not a mapping');
        continue;
      }
      if (file === KUSTOMIZATION) {
        checkKustomization(body, directory, report);
        continue;
      }
      const kind = String(body.kind ?? '');
      const name = String(recordAt(body, 'metadata').name ?? '');
      report.check(name, `${kind || 'object'} has no metadata.name`);
      await validateAgainstSchema(body, report);
      objects.push({ file, report, kind, name, body });
    }
  }

  checkRelations(objects, reports.get(KUSTOMIZATION));
  checkProductionSettings(objects);
  return {
    files: files.map((file) => `${DIRECTORY}/${file}`),
    problems: [...reports.values()].flatMap((report) => report.problems),
  };
}

/**
 * The pods' environment, from the ConfigMaps (values known) and the Secrets (entered by the
 * operator), against what production refuses to start without; reported on the ConfigMap.
 */
function checkProductionSettings(objects: KubeObject[]) {
  const configMaps = objects.filter((object) => object.kind === 'ConfigMap');
  if (!configMaps.length) return;
  const environment = new Map<string, string | null>();
  for (const secret of objects.filter((object) => object.kind === 'Secret')) {
    for (const field of ['data', 'stringData'])
      for (const key of Object.keys(recordAt(secret.body, field))) environment.set(key, null);
  }
  for (const configMap of configMaps) {
    for (const [key, value] of Object.entries(recordAt(configMap.body, 'data')))
      environment.set(key, String(value));
  }
  for (const problem of productionSettingProblems(environment)) configMaps[0]!.report.add(problem);
}

async function validateAgainstSchema(body: Record<string, unknown>, report: FileReport) {
  const apiVersion = String(body.apiVersion ?? '');
  const kind = String(body.kind ?? '');
  let model: Validatable | undefined;
  try {
    const module = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<
      string,
      Validatable
    >;
    model = module[kind];
  } catch {
    model = undefined;
  }
  if (!model) {
    report.add(`unknown apiVersion/kind "${apiVersion}" ${kind}`);
    return;
  }
  const { value, unread } = trackReads(body);
  try {
    model.prototype.validate.call(value);
  } catch (error) {
    report.add(`${kind}: ${(error as Error).message.replace(/^data\//, '').replace(/\n/g, '; ')}`);
    return;
  }
  for (const path of unread()) report.add(`${kind}: unknown field "${path}"`);
}

/**
 * The compiled validators read every property their schema defines and enumerate only the
 * free-form maps (labels, data, resource lists). A key that was neither read nor enumerated
 * is therefore unknown to the schema: kubectl's strict validation would reject it.
 */
function trackReads(root: unknown) {
  const records: { path: string; keys: string[]; read: Set<string>; enumerated: boolean }[] = [];
  const wrap = (value: unknown, path: string): unknown => {
    if (Array.isArray(value)) return value.map((item, index) => wrap(item, `${path}[${index}]`));
    if (!isRecord(value)) return value;
    const record = { path, keys: Object.keys(value), read: new Set<string>(), enumerated: false };
    records.push(record);
    const target = Object.fromEntries(
      Object.entries(value).map(([key, child]) => [
        key,
        wrap(child, path ? `${path}.${key}` : key),
      ]),
    );
    return new Proxy(target, {
      get(object, key, receiver) {
        if (typeof key === 'string') record.read.add(key);
        return Reflect.get(object, key, receiver) as unknown;
      },
      has(object, key) {
        if (typeof key === 'string') record.read.add(key);
        return Reflect.has(object, key);
      },
      ownKeys(object) {
        record.enumerated = true;
        return Reflect.ownKeys(object);
      },
    });
  };
  const value = wrap(root, '');
  const unread = () =>
    records.flatMap((record) =>
      record.enumerated
        ? []
        : record.keys
            .filter((key) => !record.read.has(key))
            .map((key) => (record.path ? `${record.path}.${key}` : key)),
    );
  return { value, unread };
}
