/**
 * Bundling: the user's TypeScript in, one CommonJS file out that every worker can evaluate.
 *
 * Before esbuild sees the snippet, it is rewritten (with source maps, so every position still
 * maps to the user's line and column):
 *   - every call of the API gets its site: `lock.acquire()` → `(__tl.site=7,lock).acquire()`,
 *     `new Lock()` → `(__tl.site=8,new Lock())`, `counter.value` → `(__tl.site=9,counter).value`;
 *   - `throw x` → `throw __tl.x(x,7)`, so a thrown non-Error (no stack) keeps its line;
 *   - every module-level function and class is registered by name on line 1
 *     (`__tl.register("worker",()=>worker);`), so another worker can find a thread's target;
 *   - `const __tl=__tlRuntime;` opens line 1 and `import { __tl as __tlRuntime } from
 *     "threadlanes"` is appended at the end (imports are hoisted).
 * No line is added or removed, so line numbers survive even without the map.
 */
import * as path from 'node:path';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { parse, type ParserPlugin } from '@babel/parser';
import MagicString from 'magic-string';
import * as esbuild from 'esbuild';
import type { Site } from '../trace/format';
import type { SnippetError } from './types';

/** Methods whose calls are sites (the API's operations). */
const SITE_METHODS = new Set([
  'acquire',
  'release',
  'withLock',
  'hold',
  'locked',
  'wait',
  'waitFor',
  'notify',
  'notifyAll',
  'set',
  'clear',
  'isSet',
  'put',
  'get',
  'putNowait',
  'getNowait',
  'taskDone',
  'join',
  'start',
  'run',
  'cancel',
  'submit',
  'result',
  'exception',
  'map',
  'shutdown',
  'addDoneCallback',
  'reset',
  'abort',
  'sleep',
  'isAlive',
  'setResult',
  'setException',
  'getLock',
  'qsize',
  'empty',
  'full',
]);
/** Functions whose calls are sites. */
const SITE_FUNCTIONS = new Set(['sleep', 'wait', 'asCompleted', 'enumerate', 'activeCount', 'currentThread']);
/** Property reads and writes that are sites (Value). */
const SITE_PROPERTIES = new Set(['value']);

export interface BundleResult {
  /** Path of the bundled CommonJS file. */
  bundlePath: string;
  /** Site table: index 0 is the unknown site. */
  sites: Site[];
  /** Names registered for lookup by other workers. */
  registered: string[];
  /** The directory to remove when the run is over. */
  workDir: string;
}

export class BundleError extends Error {
  constructor(public readonly snippetError: SnippetError) {
    super(snippetError.message);
  }
}

interface Node {
  type: string;
  start: number;
  end: number;
  loc: { start: { line: number; column: number } };
  [key: string]: unknown;
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && typeof (value as Node).type === 'string';
}

/**
 * Names that hold a SharedArray, found from the text alone (no types at bundle time): a
 * variable or `this.x` assigned `new SharedArray(…)`, and anything declared `: SharedArray`
 * (parameters, variables, class fields). By name, not by scope: an unrelated `slots[i]` with the
 * same name gets a site too, which costs a store and changes nothing else.
 */
function sharedArrayNames(program: Node): Set<string> {
  const names = new Set<string>();
  const isNewSharedArray = (node: unknown) =>
    isNode(node) &&
    node.type === 'NewExpression' &&
    (node.callee as Node).type === 'Identifier' &&
    (node.callee as Node).name === 'SharedArray';
  const isSharedArrayType = (annotation: unknown): boolean => {
    if (!isNode(annotation)) return false;
    const type = annotation.type === 'TSTypeAnnotation' ? (annotation.typeAnnotation as Node) : annotation;
    return (
      type.type === 'TSTypeReference' && (type.typeName as Node).type === 'Identifier' && (type.typeName as Node).name === 'SharedArray'
    );
  };
  const walk = (node: Node): void => {
    if (
      node.type === 'VariableDeclarator' &&
      (node.id as Node).type === 'Identifier' &&
      (isNewSharedArray(node.init) || isSharedArrayType((node.id as Node).typeAnnotation))
    ) {
      names.add((node.id as Node).name as string);
    } else if (node.type === 'Identifier' && isSharedArrayType(node.typeAnnotation)) {
      names.add(node.name as string); // a parameter `arr: SharedArray`
    } else if (
      (node.type === 'ClassProperty' || node.type === 'PropertyDefinition') &&
      (node.key as Node).type === 'Identifier' &&
      (isNewSharedArray(node.value) || isSharedArrayType(node.typeAnnotation))
    ) {
      names.add(`this.${(node.key as Node).name as string}`);
    } else if (node.type === 'AssignmentExpression' && isNewSharedArray(node.right)) {
      const left = node.left as Node;
      if (left.type === 'Identifier') names.add(left.name as string);
      else if (
        left.type === 'MemberExpression' &&
        (left.object as Node).type === 'ThisExpression' &&
        (left.property as Node).type === 'Identifier'
      ) {
        names.add(`this.${(left.property as Node).name as string}`);
      }
    } else if (node.type === 'TSParameterProperty' && isSharedArrayType((node.parameter as Node).typeAnnotation)) {
      names.add(`this.${(node.parameter as Node).name as string}`); // constructor(private slots: SharedArray)
    }
    for (const [, child] of childNodes(node)) walk(child);
  };
  walk(program);
  return names;
}

/** Keys of a Babel node that hold no code: positions, comments and TypeScript types. */
const NOT_CODE = new Set([
  'loc',
  'leadingComments',
  'trailingComments',
  'innerComments',
  'extra',
  'typeAnnotation',
  'returnType',
  'typeParameters',
  'typeArguments',
]);

/** The child nodes of `node` that are code, with the key each hangs under. */
function* childNodes(node: Node): Generator<[string, Node]> {
  for (const key of Object.keys(node)) {
    if (NOT_CODE.has(key)) continue;
    const value = node[key];
    if (Array.isArray(value)) {
      for (const item of value) if (isNode(item)) yield [key, item];
    } else if (isNode(value)) {
      yield [key, value];
    }
  }
}

function loaderFor(file: string): 'ts' | 'tsx' | 'js' | 'jsx' {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.tsx') return 'tsx';
  if (ext === '.jsx') return 'jsx';
  if (ext === '.js' || ext === '.mjs' || ext === '.cjs') return 'js';
  return 'ts';
}

/** What the rewrite produces, before esbuild. Exported for tests. */
interface Instrumented {
  code: string;
  map: string;
  sites: Site[];
  registered: string[];
}

/** Loop statements: in GIL mode each iteration starts with a preemption check. */
const LOOPS = new Set(['ForStatement', 'WhileStatement', 'DoWhileStatement', 'ForInStatement', 'ForOfStatement']);
/** Functions: in GIL mode each call starts with a preemption check. */
const FUNCTIONS = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'ObjectMethod',
  'ClassMethod',
  'ClassPrivateMethod',
]);
/**
 * The check: one load of the drop-request cell (`__tld`, bound on line 1), and a call of
 * runtime/gil.ts gilCheck only when another thread has asked for the GIL.
 */
const PREEMPT = 'if(__tld[0])__tl.g();';

interface InstrumentOptions {
  /**
   * GIL mode: a preemption check at every loop iteration and function entry (as CPython's eval
   * loop checks for a GIL drop request on backward jumps and calls), so a thread in a tight
   * loop gives the GIL up on time.
   */
  preemption?: boolean;
}

export function instrument(
  source: string,
  displayFile: string,
  loader: 'ts' | 'tsx' | 'js' | 'jsx',
  options: InstrumentOptions = {},
): Instrumented {
  const plugins: ParserPlugin[] = ['explicitResourceManagement'];
  if (loader === 'ts' || loader === 'tsx') plugins.push('typescript');
  if (loader === 'tsx' || loader === 'jsx') plugins.push('jsx');
  let ast: { program: Node };
  try {
    ast = parse(source, { sourceType: 'module', plugins, allowReturnOutsideFunction: false, errorRecovery: false }) as unknown as {
      program: Node;
    };
  } catch (error) {
    const e = error as { message: string; loc?: { line: number; column: number } };
    const line = e.loc?.line;
    const col = e.loc ? e.loc.column + 1 : undefined;
    throw new BundleError({
      kind: 'syntax',
      message: e.message.replace(/\s*\(\d+:\d+\)$/, ''),
      site: line ? `${displayFile}:${line}:${col}` : displayFile,
      line,
      col,
    });
  }
  const out = new MagicString(source);
  const sharedArrays = sharedArrayNames(ast.program);
  const sites: Site[] = [{ file: displayFile, line: 0, col: 0 }];
  const siteFor = (node: Node, declaredAs?: string): number => {
    sites.push({ file: displayFile, line: node.loc.start.line, col: node.loc.start.column + 1, ...(declaredAs ? { declaredAs } : {}) });
    return sites.length - 1;
  };

  const visit = (node: Node, parent: Node | undefined, parentKey: string): void => {
    if (options.preemption && (LOOPS.has(node.type) || FUNCTIONS.has(node.type))) {
      const close = preemptionCheck(node);
      visitChildren(node);
      close?.();
      return;
    }
    if (node.type === 'ThrowStatement') {
      // `throw x` → `throw __tl.x(x,ID)`: a thrown value that is not an Error has no stack, so
      // the runtime keeps its line for the report (runtime/core.ts, __tl.x).
      const argument = node.argument as Node;
      const id = siteFor(node);
      out.appendLeft(argument.start, '__tl.x((');
      visitChildren(node);
      out.appendLeft(argument.end, `),${id})`);
      return;
    }
    if (node.type === 'CallExpression' || node.type === 'OptionalCallExpression') {
      const callee = node.callee as Node;
      if (
        callee.type === 'MemberExpression' &&
        !callee.computed &&
        isNode(callee.property) &&
        callee.property.type === 'Identifier' &&
        SITE_METHODS.has(callee.property.name as string) &&
        (callee.object as Node).type !== 'Super'
      ) {
        const object = callee.object as Node;
        const id = siteFor(callee.property);
        out.appendLeft(object.start, `(__tl.site=${id},`);
        visitChildren(node);
        out.appendLeft(object.end, ')');
        restoreSiteAfterArguments(node, id);
        return;
      }
      if (callee.type === 'Identifier' && SITE_FUNCTIONS.has(callee.name as string) && !node.typeParameters && !node.typeArguments) {
        const id = siteFor(callee);
        out.appendLeft(callee.start, `(__tl.site=${id},`);
        out.appendLeft(callee.end, ')');
        visitChildren(node);
        restoreSiteAfterArguments(node, id);
        return;
      }
    } else if (node.type === 'NewExpression') {
      const id = siteFor(node, declaredNameOf(parent, parentKey, node));
      out.appendLeft(node.start, `(__tl.site=${id},`);
      visitChildren(node);
      restoreSiteAfterArguments(node, id);
      out.appendLeft(node.end, ')');
      return;
    } else if (node.type === 'AssignmentExpression' && isSharedAccess(node.left as Node, node, 'left')) {
      // `a.value = b.value`: the read on the right moves the site; the write needs its own back.
      parents.set(node.left as Node, node);
      const id = visitSharedAccess(node.left as Node);
      parents.set(node.right as Node, node);
      visit(node.right as Node, node, 'right');
      if (containsSite(node.right as Node)) {
        out.prependLeft((node.right as Node).start, '(__tl.t=');
        out.appendLeft((node.right as Node).end, `,__tl.site=${id},__tl.t)`);
      }
      return;
    } else if (isSharedAccess(node, parent, parentKey)) {
      visitSharedAccess(node);
      return;
    }
    visitChildren(node);
  };

  /** `counter.value` (a Value) or `slots[i]` (a SharedArray): an access with a site of its own. */
  function isSharedAccess(node: Node, parent: Node | undefined, parentKey: string): boolean {
    if (node.type !== 'MemberExpression') return false;
    if (node.computed) return isSharedArray(node.object as Node);
    return (
      isNode(node.property) &&
      node.property.type === 'Identifier' &&
      SITE_PROPERTIES.has(node.property.name as string) &&
      !(parent && (parent.type === 'CallExpression' || parent.type === 'OptionalCallExpression') && parentKey === 'callee') &&
      (node.object as Node).type !== 'Super' &&
      (node.object as Node).type !== 'ThisExpression'
    );
  }

  /** `(__tl.site=ID,object).value` / `(__tl.site=ID,object)[i]`; returns ID. */
  function visitSharedAccess(node: Node): number {
    const object = node.object as Node;
    const id = siteFor(node.property as Node);
    out.appendLeft(object.start, `(__tl.site=${id},`);
    visitChildren(node);
    out.appendLeft(object.end, ')');
    return id;
  }

  /** `slots` or `this.slots`, where that name holds a SharedArray (see sharedArrayNames). */
  function isSharedArray(object: Node): boolean {
    if (object.type === 'Identifier') return sharedArrays.has(object.name as string);
    return (
      object.type === 'MemberExpression' &&
      !object.computed &&
      (object.object as Node).type === 'ThisExpression' &&
      (object.property as Node).type === 'Identifier' &&
      sharedArrays.has(`this.${(object.property as Node).name as string}`)
    );
  }

  /**
   * Put the check at the start of a loop's body or a function's body; returns what closes a
   * body that had to be wrapped (run it after the children's edits, so it lands after them).
   */
  function preemptionCheck(node: Node): (() => void) | undefined {
    const body = node.body as Node | undefined;
    if (!body) return undefined; // an overload or `declare function`
    if (body.type === 'BlockStatement') {
      const directives = body.directives as Node[] | undefined;
      const at = directives && directives.length ? directives[directives.length - 1].end : body.start + 1;
      out.appendLeft(at, PREEMPT);
      return undefined;
    }
    if (LOOPS.has(node.type)) {
      out.prependLeft(body.start, `{${PREEMPT}`);
      return () => out.appendLeft(body.end, '}');
    }
    // An arrow function with an expression body.
    out.prependLeft(body.start, '(__tld[0]&&__tl.g(),');
    return () => out.appendLeft(body.end, ')');
  }

  /**
   * `outq.put(inq.get())`: the inner call overwrote the site before put ran. When an argument
   * holds a call of its own, the last one becomes `(__tl.t=arg,__tl.site=ID,__tl.t)`.
   */
  function restoreSiteAfterArguments(call: Node, id: number): void {
    const args = call.arguments as Node[] | undefined;
    if (!args || args.length === 0 || !args.some(containsSite)) return;
    let last = args[args.length - 1];
    if (last.type === 'SpreadElement') last = last.argument as Node;
    out.prependLeft(last.start, '(__tl.t=');
    out.appendLeft(last.end, `,__tl.site=${id},__tl.t)`);
  }

  function containsSite(node: Node): boolean {
    if (node.type === 'CallExpression' || node.type === 'NewExpression' || node.type === 'OptionalCallExpression') return true;
    if (
      node.type === 'MemberExpression' &&
      !node.computed &&
      (node.property as Node)?.type === 'Identifier' &&
      SITE_PROPERTIES.has((node.property as Node).name as string)
    )
      return true;
    if (node.type === 'MemberExpression' && node.computed && isSharedArray(node.object as Node)) return true;
    for (const [, child] of childNodes(node)) if (containsSite(child)) return true;
    return false;
  }

  const parents = new WeakMap<Node, Node>();
  const visitChildren = (node: Node): void => {
    for (const [key, child] of childNodes(node)) {
      parents.set(child, node);
      visit(child, node, key);
    }
  };

  /** `const forkA = new Lock()` → "forkA"; `this.lock = new Lock()` → "lock"; `{ q: new Queue() }` → "q". */
  function declaredNameOf(parent: Node | undefined, key: string, node: Node): string | undefined {
    let p = parent;
    let k = key;
    let child: Node = node;
    while (
      p &&
      (p.type === 'TSAsExpression' ||
        p.type === 'TSNonNullExpression' ||
        p.type === 'ParenthesizedExpression' ||
        p.type === 'TSSatisfiesExpression')
    ) {
      child = p;
      const grand = parents.get(p);
      k = grand ? (Object.keys(grand).find((name) => grand[name] === child) ?? '') : '';
      p = grand;
    }
    if (!p) return undefined;
    if (p.type === 'VariableDeclarator' && k === 'init' && (p.id as Node).type === 'Identifier') return (p.id as Node).name as string;
    if (p.type === 'AssignmentExpression' && k === 'right') {
      const left = p.left as Node;
      if (left.type === 'Identifier') return left.name as string;
      if (left.type === 'MemberExpression' && !left.computed && (left.property as Node).type === 'Identifier')
        return (left.property as Node).name as string;
    }
    if ((p.type === 'ObjectProperty' || p.type === 'ClassProperty' || p.type === 'PropertyDefinition') && k === 'value' && !p.computed) {
      const keyNode = p.key as Node;
      if (keyNode.type === 'Identifier') return keyNode.name as string;
      if (keyNode.type === 'StringLiteral') return keyNode.value as string;
    }
    return undefined;
  }

  visit(ast.program, undefined, '');

  // Module-level functions and classes, registered by name before anything else runs.
  const registered: string[] = [];
  const add = (name: unknown) => {
    if (typeof name === 'string' && !registered.includes(name)) registered.push(name);
  };
  for (const statement of ast.program.body as Node[]) {
    const declaration =
      statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration'
        ? (statement.declaration as Node | null)
        : statement;
    if (!declaration) continue;
    if ((declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') && declaration.id) {
      if (!declaration.declare) add((declaration.id as Node).name);
    } else if (declaration.type === 'VariableDeclaration' && !declaration.declare) {
      for (const declarator of declaration.declarations as Node[]) {
        const init = declarator.init as Node | null;
        if (
          (declarator.id as Node).type === 'Identifier' &&
          init &&
          ['ArrowFunctionExpression', 'FunctionExpression', 'ClassExpression'].includes(unwrap(init).type)
        ) {
          add((declarator.id as Node).name);
        }
      }
    }
  }
  // Functions imported from the snippet's own modules can be targets too: each thread finds them
  // by module and export name through a namespace import of the same module.
  const namespaces: string[] = [];
  for (const statement of ast.program.body as Node[]) {
    if (statement.type !== 'ImportDeclaration' || statement.importKind === 'type') continue;
    const from = (statement.source as Node).value as string;
    if (from === 'threadlanes' || from.startsWith('node:')) continue;
    if (!(statement.specifiers as Node[]).some((spec) => spec.importKind !== 'type')) continue;
    if (!namespaces.includes(from)) namespaces.push(from);
  }
  const registrations =
    registered.map((name) => `__tl.register(${JSON.stringify(name)},()=>${name});`).join('') +
    namespaces.map((from, i) => `__tl.registerModule(${JSON.stringify(from)},()=>__tl_ns${i});`).join('');
  const insertAt = source.startsWith('#!') ? source.indexOf('\n') + 1 : 0;
  // A local binding: through the import, every `__tl.site = N` would call the runtime's export
  // getter first (the bundle is CommonJS), on the hottest path there is.
  out.appendLeft(insertAt, `const __tl=__tlRuntime${options.preemption ? ',__tld=__tl.d' : ''};${registrations}`);
  out.append(
    `\nimport { __tl as __tlRuntime } from "threadlanes";${namespaces.map((from, i) => `import * as __tl_ns${i} from ${JSON.stringify(from)};`).join('')}\n`,
  );
  const map = out.generateMap({ hires: true, source: displayFile, includeContent: true });
  return { code: out.toString(), map: map.toString(), sites, registered };
}

function unwrap(node: Node): Node {
  while (node.type === 'TSAsExpression' || node.type === 'ParenthesizedExpression' || node.type === 'TSSatisfiesExpression') {
    node = node.expression as Node;
  }
  return node;
}

/**
 * A built file of dist/: next to this file when running from dist/, else the repository's
 * dist/ (tests load the harness from src/ but the workers always run built code).
 */
export function builtFile(name: string): string {
  const beside = path.join(__dirname, name);
  if (fs.existsSync(beside)) return beside;
  const fromSource = path.resolve(__dirname, '..', '..', 'dist', name);
  if (fs.existsSync(fromSource)) return fromSource;
  throw new Error(`threadlanes: ${name} is missing; run "npm run build" first`);
}

/** The runtime every snippet imports as "threadlanes". */
function runtimePath(): string {
  return builtFile('runtime.js');
}

function firstError(errors: esbuild.Message[], displayFile: string): SnippetError {
  const e = errors[0];
  const loc = e?.location;
  return {
    kind: 'syntax',
    message: e ? e.text : 'the snippet could not be bundled',
    site: loc ? `${loc.file === displayFile || !loc.file ? displayFile : loc.file}:${loc.line}:${loc.column + 1}` : displayFile,
    line: loc?.line,
    col: loc ? loc.column + 1 : undefined,
  };
}

/**
 * Check, rewrite and bundle the snippet. Throws BundleError (with the user's line) for syntax
 * errors and unresolvable imports.
 */
export async function bundleSnippet(
  file: string,
  source: string,
  displayFile = file,
  options: InstrumentOptions = {},
): Promise<BundleResult> {
  const absolute = path.resolve(file);
  const loader = loaderFor(file);
  // esbuild first: its syntax messages are the clearest, and it strips types the same way the bundle will.
  try {
    await esbuild.transform(source, { loader, sourcefile: displayFile, logLevel: 'silent' });
  } catch (error) {
    throw new BundleError(firstError((error as esbuild.TransformFailure).errors ?? [], displayFile));
  }
  const instrumented = instrument(source, displayFile, loader, options);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'threadlanes-'));
  const bundlePath = path.join(workDir, 'snippet.js');
  const runtime = runtimePath();
  const inlineMap = `\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(instrumented.map).toString('base64')}`;
  try {
    await esbuild.build({
      // The entry comes from memory: the editor's unsaved buffer runs even if the file is not on disk.
      stdin: { contents: instrumented.code + inlineMap, loader, resolveDir: path.dirname(absolute), sourcefile: displayFile },
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      outfile: bundlePath,
      sourcemap: 'inline',
      sourceRoot: '',
      logLevel: 'silent',
      write: true,
      keepNames: true,
      absWorkingDir: path.dirname(absolute),
      plugins: [
        {
          name: 'threadlanes-snippet',
          setup(build) {
            build.onResolve({ filter: /^threadlanes$/ }, () => ({ path: runtime, external: true }));
          },
        },
      ],
    });
  } catch (error) {
    fs.rmSync(workDir, { recursive: true, force: true });
    const failure = error as esbuild.BuildFailure;
    if (failure.errors) throw new BundleError(firstError(failure.errors, displayFile));
    throw error;
  }
  return { bundlePath, sites: instrumented.sites, registered: instrumented.registered, workDir };
}
