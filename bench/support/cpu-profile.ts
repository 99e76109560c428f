import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One function's share of a CPU profile's busy time. */
export interface SelfTime {
  /** Function name, `(garbage collector)` and the like for what V8 names itself. */
  name: string;
  /** Where it is: a source file and line of this repository, a package, or a Node internal. */
  where: string;
  /** Self time, ms. */
  ms: number;
  /** Share of the busy (not idle) time sampled. */
  share: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const sourceMaps = new Map<string, SourceMap | undefined>();

function sourceMapOf(file: string): SourceMap | undefined {
  if (!sourceMaps.has(file)) {
    try {
      sourceMaps.set(file, new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))));
    } catch {
      sourceMaps.set(file, undefined);
    }
  }
  return sourceMaps.get(file);
}

/** A short place for a call frame: `packages/server/src/http/x.ts:12`, `jose/…/verify.js`, `node:internal/…`. */
function placeOf({ url, lineNumber, columnNumber }: ProfileNode['callFrame']): string {
  if (url === '') return '';
  if (!url.startsWith('file://')) return url;
  const file = fileURLToPath(url);
  const entry = sourceMapOf(file)?.findEntry(lineNumber, columnNumber);
  if (entry && 'originalSource' in entry && entry.originalSource) {
    const source = entry.originalSource.startsWith('file://')
      ? fileURLToPath(entry.originalSource)
      : resolve(dirname(file), entry.originalSource);
    return `${relative(root, source)}:${entry.originalLine + 1}`;
  }
  const modules = file.lastIndexOf('node_modules/');
  if (modules >= 0) return file.slice(modules + 'node_modules/'.length);
  return `${relative(root, file)}:${lineNumber + 1}`;
}

/**
 * The functions that spent the most self time in a `.cpuprofile` (as `node --cpu-prof` writes
 * it), by name and place, with their share of the busy time: idle time is left out.
 */
export function topSelfTime(file: string, count: number): { busyMs: number; top: SelfTime[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const micros = new Map<string, { name: string; where: string; micros: number }>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    const delta = profile.timeDeltas[i] ?? 0;
    if (!frame || frame.functionName === '(idle)') return;
    busy += delta;
    const name = frame.functionName || '(anonymous)';
    const where = placeOf(frame);
    const key = `${name} ${where}`;
    const entry = micros.get(key) ?? { name, where, micros: 0 };
    entry.micros += delta;
    micros.set(key, entry);
  });
  const top = [...micros.values()]
    .sort((a, b) => b.micros - a.micros)
    .slice(0, count)
    .map(({ name, where, micros: spent }) => ({
      name,
      where,
      ms: spent / 1000,
      share: spent / busy,
    }));
  return { busyMs: busy / 1000, top };
}
