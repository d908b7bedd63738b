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
 *   - static methods of module-level classes are registered too (`"Worker.go"`), so they can be
 *     targets as in Python;
 *   - a thread's or timer's target that is a method of an object (`w.run`, `w.run.bind(w)`) is
 *     checked where it is written (`__tl_target(w.run, message, ID)`): it cannot cross to
 *     another thread, and the message says why and what to write instead;
 *   - `__filename` and `__dirname` are the snippet's own, not the bundle's (`var` on line 1);
 *   - `const __tl=__tlRuntime;` opens line 1 and `import { __tl as __tlRuntime } from
 *     "threadlanes"` is appended at the end (imports are hoisted).
 * No line is added or removed, so line numbers survive even without the map.
 *
 * It also refuses a `main` that is not exported and never called (it would never run), and
 * warns about a snippet with nothing to run at all (no main, no `isMainThread`, no top-level
 * statement that does anything).
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
  /** What is not an error but is worth saying (a snippet with nothing to run). */
  warnings: string[];
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
  warnings: string[];
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
  /** The snippet's absolute path, for `__filename` and `__dirname` (default: not set). */
  absoluteFile?: string;
}

/** The declaration a top-level statement makes, through `export` and `export default`. */
function declarationOf(statement: Node): Node | null {
  return statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration'
    ? (statement.declaration as Node | null)
    : statement;
}

/** Names declared at the top level of the module (functions, classes, variables, imports, enums). */
function topLevelNames(program: Node): Set<string> {
  const names = new Set<string>();
  const addPattern = (pattern: Node | null | undefined): void => {
    if (!pattern) return;
    if (pattern.type === 'Identifier') names.add(pattern.name as string);
    else if (pattern.type === 'ObjectPattern') for (const p of pattern.properties as Node[]) addPattern((p.value ?? p.argument) as Node);
    else if (pattern.type === 'ArrayPattern') for (const e of pattern.elements as (Node | null)[]) addPattern(e);
    else if (pattern.type === 'AssignmentPattern') addPattern(pattern.left as Node);
    else if (pattern.type === 'RestElement') addPattern(pattern.argument as Node);
  };
  for (const statement of program.body as Node[]) {
    if (statement.type === 'ImportDeclaration') {
      for (const spec of statement.specifiers as Node[]) names.add((spec.local as Node).name as string);
      continue;
    }
    const declaration = declarationOf(statement);
    if (!declaration) continue;
    if (declaration.type === 'VariableDeclaration') for (const d of declaration.declarations as Node[]) addPattern(d.id as Node);
    else if (isNode(declaration.id) && declaration.id.type === 'Identifier') names.add(declaration.id.name as string);
  }
  return names;
}

/** Is `name` used anywhere in the program as a variable (not as a property name)? `except` is the declaration's own identifier. */
function referencesName(program: Node, name: string, except?: Node): boolean {
  const walk = (node: Node, parent: Node | undefined, key: string): boolean => {
    if (node.type === 'Identifier' && node.name === name && node !== except) {
      const isPropertyName =
        parent &&
        ((parent.type === 'MemberExpression' || parent.type === 'OptionalMemberExpression') && key === 'property' && !parent.computed
          ? true
          : (parent.type === 'ObjectProperty' ||
              parent.type === 'ClassProperty' ||
              parent.type === 'ClassMethod' ||
              parent.type === 'ObjectMethod') &&
            key === 'key' &&
            !parent.computed &&
            !parent.shorthand);
      if (!isPropertyName) return true;
    }
    for (const [childKey, child] of childNodes(node)) if (walk(child, node, childKey)) return true;
    return false;
  };
  return walk(program, undefined, '');
}

/** A top-level `main` that is not exported as main and not used anywhere: it would never run. */
function unexportedMain(program: Node, displayFile: string): SnippetError | undefined {
  let declared: Node | undefined;
  let exported = false;
  for (const statement of program.body as Node[]) {
    if (statement.type === 'ExportNamedDeclaration' && !statement.declaration) {
      for (const spec of (statement.specifiers as Node[]) ?? []) {
        const as = spec.exported as Node | undefined;
        if (as && (as.name === 'main' || as.value === 'main')) exported = true;
      }
      continue;
    }
    const declaration = declarationOf(statement);
    if (!declaration) continue;
    let id: Node | undefined;
    if (declaration.type === 'FunctionDeclaration' && (declaration.id as Node | null)?.name === 'main') id = declaration.id as Node;
    if (declaration.type === 'VariableDeclaration') {
      for (const d of declaration.declarations as Node[])
        if ((d.id as Node).type === 'Identifier' && (d.id as Node).name === 'main') id = d.id as Node;
    }
    if (!id) continue;
    declared = id;
    if (statement.type === 'ExportNamedDeclaration' || statement.type === 'ExportDefaultDeclaration') exported = true;
  }
  if (!declared || exported || referencesName(program, 'main', declared)) return undefined;
  const line = declared.loc.start.line;
  const col = declared.loc.start.column + 1;
  return {
    kind: 'usage',
    message:
      'main() is not exported, so it never runs: Threadlanes runs the `main` your module exports. Write `export function main()` (or call main() yourself, under `if (isMainThread)`).',
    site: `${displayFile}:${line}:${col}`,
    line,
    col,
  };
}

/**
 * A statement at the top level that does something when the module runs: not an import, a
 * declaration of a function, class or type, or a variable whose value makes nothing happen
 * (no call; `new Lock()` and the like only make an object).
 */
function doesWork(statement: Node): boolean {
  if (statement.type === 'ImportDeclaration' || statement.type === 'EmptyStatement') return false;
  if (statement.type.startsWith('TS') && statement.type !== 'TSExportAssignment') return false;
  if (statement.type === 'ExportAllDeclaration') return false;
  const declaration = declarationOf(statement);
  if (!declaration) return false;
  if (declaration.type === 'FunctionDeclaration' || declaration.type === 'ClassDeclaration') return false;
  if (declaration.type.startsWith('TS')) return false;
  if (declaration.type === 'VariableDeclaration') {
    const calls = (node: Node): boolean => {
      if (FUNCTIONS.has(node.type) || node.type === 'ClassExpression') return false; // runs only when called
      if (['CallExpression', 'OptionalCallExpression', 'TaggedTemplateExpression', 'AwaitExpression'].includes(node.type)) return true;
      for (const [, child] of childNodes(node)) if (calls(child)) return true;
      return false;
    };
    return (declaration.declarations as Node[]).some((d) => isNode(d.init) && calls(d.init));
  }
  return true;
}

/** The warning for a module that runs nothing: no main, no isMainThread, no top-level work. */
function nothingToRun(program: Node, displayFile: string): string | undefined {
  const body = program.body as Node[];
  const exportsMain = body.some((statement) => {
    if (statement.type === 'ExportNamedDeclaration') {
      const declaration = statement.declaration as Node | null;
      if (declaration?.type === 'FunctionDeclaration') return (declaration.id as Node | null)?.name === 'main';
      if (declaration?.type === 'VariableDeclaration')
        return (declaration.declarations as Node[]).some((d) => (d.id as Node).name === 'main');
      return ((statement.specifiers as Node[]) ?? []).some(
        (spec) => (spec.exported as Node).name === 'main' || (spec.exported as Node).value === 'main',
      );
    }
    return statement.type === 'ExportDefaultDeclaration' && ((statement.declaration as Node).id as Node | null)?.name === 'main';
  });
  if (exportsMain || referencesName(program, 'isMainThread') || body.some(doesWork)) return undefined;
  return `nothing ran: ${displayFile} has no \`export function main()\`, no \`if (isMainThread)\` block and no top-level statement that does anything. Put the main program in \`export function main() { … }\`.`;
}

/** Code as one short line, for a message. */
function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 59)}…` : flat;
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
  const noMain = unexportedMain(ast.program, displayFile);
  if (noMain) throw new BundleError(noMain);
  const warnings: string[] = [];
  const idle = nothingToRun(ast.program, displayFile);
  if (idle) warnings.push(idle);
  // How the snippet spells Thread and Timer (imported from "threadlanes", perhaps renamed or
  // through a namespace), the namespaces of its own modules, and its classes' static methods.
  const runtimeClasses = new Map<string, 'Thread' | 'Timer'>();
  const runtimeNamespaces = new Set<string>();
  const moduleNamespaces = new Set<string>();
  const staticMethods = new Map<string, Set<string>>();
  for (const statement of ast.program.body as Node[]) {
    if (statement.type === 'ImportDeclaration') {
      const fromRuntime = (statement.source as Node).value === 'threadlanes';
      for (const spec of statement.specifiers as Node[]) {
        const local = (spec.local as Node).name as string;
        if (spec.type === 'ImportNamespaceSpecifier') (fromRuntime ? runtimeNamespaces : moduleNamespaces).add(local);
        else if (fromRuntime && spec.type === 'ImportSpecifier') {
          const imported = ((spec.imported as Node).name ?? (spec.imported as Node).value) as string;
          if (imported === 'Thread' || imported === 'Timer') runtimeClasses.set(local, imported);
        }
      }
      continue;
    }
    const declaration = declarationOf(statement);
    if (declaration?.type !== 'ClassDeclaration' || !declaration.id || declaration.declare) continue;
    const statics = new Set<string>();
    for (const member of (declaration.body as Node).body as Node[]) {
      const key = member.key as Node | undefined;
      if (!member.static || member.computed || key?.type !== 'Identifier') continue;
      const isMethod = member.type === 'ClassMethod' && member.kind === 'method';
      const isFunctionField =
        (member.type === 'ClassProperty' || member.type === 'PropertyDefinition') &&
        isNode(member.value) &&
        ['ArrowFunctionExpression', 'FunctionExpression'].includes(unwrap(member.value).type);
      if (isMethod || isFunctionField) statics.add(key.name as string);
    }
    if (statics.size) staticMethods.set((declaration.id as Node).name as string, statics);
  }
  /** `Thread`/`Timer` when `callee` names the runtime's class of that name. */
  const runtimeClassOf = (callee: Node): 'Thread' | 'Timer' | undefined => {
    if (callee.type === 'Identifier') return runtimeClasses.get(callee.name as string);
    if (
      callee.type === 'MemberExpression' &&
      !callee.computed &&
      (callee.object as Node).type === 'Identifier' &&
      runtimeNamespaces.has((callee.object as Node).name as string)
    ) {
      const name = (callee.property as Node).name;
      return name === 'Thread' || name === 'Timer' ? name : undefined;
    }
    return undefined;
  };
  let targetsChecked = false;
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
      const closeTarget = checkTarget(node);
      visitChildren(node);
      closeTarget?.();
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

  /**
   * `new Thread({ target: w.run })`, `new Timer(1, w.run.bind(w))`: a method of an object cannot
   * be a target (another thread has no such object to call it on). Such a target is wrapped in
   * a check, `__tl_target(w.run, message, ID)`, that throws a usage error at its line unless the
   * value is a module-level function after all; returns what closes the wrap (call it after the
   * children's edits). Static methods of module-level classes (`Worker.go`) are registered and
   * left alone, as are functions of a namespace import.
   */
  function checkTarget(node: Node): (() => void) | undefined {
    const kind = runtimeClassOf(node.callee as Node);
    if (!kind) return undefined;
    const args = (node.arguments as Node[] | undefined) ?? [];
    let value: Node | undefined;
    if (kind === 'Thread') {
      const options = args[0] && unwrap(args[0]);
      if (options?.type !== 'ObjectExpression') return undefined;
      const property = (options.properties as Node[]).find(
        (p) =>
          p.type === 'ObjectProperty' &&
          !p.computed &&
          !p.shorthand &&
          ((p.key as Node).name === 'target' || (p.key as Node).value === 'target'),
      );
      value = property?.value as Node | undefined;
    } else {
      value = args[1];
    }
    if (!value || value.type === 'SpreadElement') return undefined;
    const target = unwrap(value);
    const what = kind === 'Thread' ? 'the thread target' : 'the timer function';
    const text = excerpt(source.slice(target.start, target.end));
    const where = `${displayFile}:${target.loc.start.line}:${target.loc.start.column + 1}`;
    let message: string;
    if (target.type === 'MemberExpression' && !target.computed && (target.property as Node).type === 'Identifier') {
      const object = target.object as Node;
      const method = (target.property as Node).name as string;
      if (object.type === 'Identifier') {
        if (moduleNamespaces.has(object.name as string)) return undefined;
        if (staticMethods.get(object.name as string)?.has(method)) return undefined;
      }
      const objectText = excerpt(source.slice(object.start, object.end));
      const fix = kind === 'Thread' ? `new Thread({ target: work, args: [${objectText}] })` : `new Timer(interval, work, [${objectText}])`;
      message = `${what} ${text} at ${where} is a method of an object, and a method cannot be a target: the new thread runs your module again, where there is no ${objectText} to call it on. Use a top-level function that takes the object as an argument: function work(obj) { obj.${method}(); } and ${fix} (the object is copied into the new thread; share state through Value, Queue or locks)${kind === 'Thread' ? ', or subclass Thread and override run()' : ''}.`;
    } else if (
      (target.type === 'CallExpression' || target.type === 'OptionalCallExpression') &&
      (target.callee as Node).type === 'MemberExpression' &&
      ((target.callee as Node).property as Node).name === 'bind'
    ) {
      message = `${what} ${text} at ${where} is a bound function (made by bind()), and another thread can only find top-level functions, by name. Use a top-level function and pass what bind() fixed as arguments: ${kind === 'Thread' ? 'new Thread({ target: work, args: [obj, …] })' : 'new Timer(interval, work, [obj, …])'}.`;
    } else {
      return undefined;
    }
    targetsChecked = true;
    const id = siteFor(target);
    out.prependLeft(target.start, '__tl_target(');
    return () => out.appendLeft(target.end, `,${JSON.stringify(message)},${id})`);
  }

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
  // Static methods of module-level classes, as Class.method (a target, as in Python).
  for (const [className, methods] of staticMethods) for (const method of methods) add(`${className}.${method}`);
  const registrations =
    registered.map((name) => `__tl.register(${JSON.stringify(name)},()=>${name});`).join('') +
    namespaces.map((from, i) => `__tl.registerModule(${JSON.stringify(from)},()=>__tl_ns${i});`).join('');
  // The check of a target that looks like a method: fine if it is a module-level function after all.
  const targetCheck = targetsChecked
    ? `const __tl_top=[${registered.map((name) => `()=>${name}`).join(',')}];const __tl_target=(v,m,s)=>{if(typeof v!=="function"||__tl_top.some((g)=>{try{return g()===v}catch{return false}}))return v;throw new __tlInternals.ThreadlanesUsageError(m,s)};`
    : '';
  // The snippet's own __filename and __dirname (a top-level declaration of its own wins).
  const declared = topLevelNames(ast.program);
  const paths = options.absoluteFile
    ? [
        ['__filename', options.absoluteFile],
        ['__dirname', path.dirname(options.absoluteFile)],
      ].filter(([name]) => !declared.has(name) && source.includes(name))
    : [];
  const pathVars = paths.length ? `var ${paths.map(([name, value]) => `${name}=${JSON.stringify(value)}`).join(',')};` : '';
  const insertAt = source.startsWith('#!') ? source.indexOf('\n') + 1 : 0;
  // A local binding: through the import, every `__tl.site = N` would call the runtime's export
  // getter first (the bundle is CommonJS), on the hottest path there is.
  out.appendLeft(insertAt, `const __tl=__tlRuntime${options.preemption ? ',__tld=__tl.d' : ''};${pathVars}${registrations}${targetCheck}`);
  out.append(
    `\nimport { __tl as __tlRuntime${targetsChecked ? ', __internals as __tlInternals' : ''} } from "threadlanes";${namespaces.map((from, i) => `import * as __tl_ns${i} from ${JSON.stringify(from)};`).join('')}\n`,
  );
  const map = out.generateMap({ hires: true, source: displayFile, includeContent: true });
  return { code: out.toString(), map: map.toString(), sites, registered, warnings };
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
  const instrumented = instrument(source, displayFile, loader, { ...options, absoluteFile: absolute });
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
  return { bundlePath, sites: instrumented.sites, registered: instrumented.registered, workDir, warnings: instrumented.warnings };
}
