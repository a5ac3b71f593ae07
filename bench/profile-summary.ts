/**
 * Where the service's CPU time went: reads the `.cpuprofile` files `node --cpu-prof` wrote and
 * sums self time by package (or app folder) and by function, busiest first, idle left out.
 *
 *   node --import tsx bench/profile-summary.ts <directory-or-file>
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** node_modules/<package>, the app's own folder, node's internals, or V8's own buckets. */
function owner(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (module) return module;
  if (url.startsWith('node:')) return 'node internals';
  const app = /\/(dist\/)?(server|db|bench)\/(\w+)?/.exec(url);
  return app ? `app: ${app[2]}/${app[3] ?? ''}` : url;
}

function summarize(files: string[], top = 20): string {
  const byOwner = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, index) => {
      const node = nodes.get(id)!;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') return;
      const micros = profile.timeDeltas[index] ?? 0;
      total += micros;
      const who = owner(url, functionName);
      byOwner.set(who, (byOwner.get(who) ?? 0) + micros);
      const where = url
        ? `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(dist\/)?/, '')}:${lineNumber + 1}`
        : '';
      const key = `${functionName || '(anonymous)'} ${where}`.trim();
      byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
    });
  }
  const table = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => `  ${((micros / total) * 100).toFixed(1).padStart(5)}%  ${name}`)
      .join('\n');
  return [
    `busy ${(total / 1e6).toFixed(1)} s of CPU on the main thread (idle left out)`,
    'by package or folder:',
    table(byOwner),
    'by function:',
    table(byFunction),
  ].join('\n');
}

export function summarizeProfiles(path: string): string {
  const files = statSync(path).isDirectory()
    ? readdirSync(path)
        .filter((name) => name.endsWith('.cpuprofile'))
        .map((name) => join(path, name))
    : [path];
  return files.length ? summarize(files) : `no .cpuprofile in ${path}`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(`${summarizeProfiles(process.argv[2] ?? 'bench-results')}\n`);
}
