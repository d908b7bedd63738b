/**
 * Types for `import … from "threadlanes"` in the user's editor. The build writes the runtime's
 * declarations to dist/types/ (tsc --emitDeclarationOnly, see tsconfig.types.json); here they are
 * copied on demand into the workspace as node_modules/threadlanes/, where the TypeScript server
 * finds them with no tsconfig change and no plugin. Nothing is written if the workspace already
 * resolves "threadlanes" (a real install, or a copy from an earlier version is replaced only
 * when it is ours).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const MARKER = 'threadlanes-types-stub';

/** Copies the declarations into `<folder>/node_modules/threadlanes`; returns where, or undefined if nothing was needed. */
export function ensureWorkspaceTypes(typesDir: string, folder: string, version: string): string | undefined {
  if (!fs.existsSync(path.join(typesDir, 'runtime', 'index.d.ts'))) throw new Error(`no declarations in ${typesDir}`);
  const target = path.join(folder, 'node_modules', 'threadlanes');
  const manifest = path.join(target, 'package.json');
  if (fs.existsSync(manifest)) {
    const existing = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { description?: string; version?: string };
    if (existing.description !== MARKER || existing.version === version) return undefined;
  }
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(typesDir, target, { recursive: true });
  fs.writeFileSync(manifest, typesManifest(version));
  return target;
}

/** The stub's package.json: marked as ours, so a real install is never overwritten. */
function typesManifest(version: string): string {
  return JSON.stringify({ name: 'threadlanes', version, description: MARKER, types: 'runtime/index.d.ts', private: true }, null, 2) + '\n';
}
