/**
 * The evaluator of the test-only Go template renderer: walks parsed templates with a dot and a
 * root, as text/template does, and is stricter than Helm where Helm would hide a chart bug: a
 * field missing from the values is an error (Helm prints nothing), and so is printing a map or a
 * list without toYaml.
 */
import { FUNCTIONS, type FunctionHost } from './functions.js';
import type { Command, Operand, Pipeline, TemplateNode } from './parse.js';
import { isMap, kindOf, printValue, TemplateRenderError, truthy, type GoValue } from './values.js';

/** The templates every file may `include`, the root value (`$`) and the chart's other files. */
export interface RenderScope {
  readonly defines: ReadonlyMap<string, readonly TemplateNode[]>;
  readonly root: GoValue;
  /** What `.Files.Get` reads: path inside the chart (`monitoring/x.yaml`) → content. */
  readonly files?: ReadonlyMap<string, string>;
}

/** Renders nodes with `dot` as `.`. */
export function renderNodes(nodes: readonly TemplateNode[], dot: GoValue, scope: RenderScope): string {
  const host: FunctionHost = {
    include: (name, data) => {
      const body = scope.defines.get(name);
      if (body === undefined) throw new TemplateRenderError(`include: no template "${name}"`);
      return renderNodes(body, data, scope);
    },
  };

  const field = (operand: Extract<Operand, { kind: 'field' }>, d: GoValue): GoValue => {
    let v = operand.base === 'root' ? scope.root : d;
    operand.path.forEach((key, i) => {
      const shown = `.${operand.path.slice(0, i + 1).join('.')}`;
      if (v === null) throw new TemplateRenderError(`nil pointer evaluating ${shown}`);
      if (!isMap(v)) throw new TemplateRenderError(`can't evaluate field ${key} in a ${kindOf(v)} (${shown})`);
      if (!Object.hasOwn(v, key)) throw new TemplateRenderError(`${shown} is not defined: every value a template reads must be in values.yaml`);
      v = v[key] ?? null;
    });
    return v;
  };

  const operand = (op: Operand, d: GoValue): GoValue => {
    switch (op.kind) {
      case 'field':
        return field(op, d);
      case 'string':
      case 'int':
      case 'float':
      case 'bool':
        return op.value;
      case 'nil':
        return null;
      case 'pipe':
        return pipeline(op.pipe, d);
      case 'func':
        return call(op.name, [], d, []);
    }
  };

  /** Calls a function with the command's arguments and, last, the piped value. */
  const call = (name: string, args: readonly Operand[], d: GoValue, piped: readonly GoValue[]): GoValue => {
    if (name === 'and' || name === 'or') {
      // Go evaluates and/or lazily and returns the deciding argument itself.
      const thunks = [...args.map((a) => () => operand(a, d)), ...piped.map((p) => () => p)];
      if (thunks.length < 1) throw new TemplateRenderError(`${name} needs arguments`);
      let last: GoValue = null;
      for (const thunk of thunks) {
        last = thunk();
        if (truthy(last) === (name === 'or')) return last;
      }
      return last;
    }
    const fn = FUNCTIONS[name];
    if (fn === undefined) throw new TemplateRenderError(`function "${name}" is not in the renderer's subset`);
    return fn([...args.map((a) => operand(a, d)), ...piped], host);
  };

  /**
   * Helm's `.Files.Get "path"` (on the root, so `$.Files.Get` too): the one method of a built-in
   * object the chart calls. A file that is not there is an error (Helm returns an empty string).
   */
  const filesGet = (head: Extract<Operand, { kind: 'field' }>, args: readonly GoValue[]): GoValue => {
    const [path] = args;
    if (args.length !== 1 || typeof path !== 'string') throw new TemplateRenderError(`wrong number or type of args for Files.Get: want one string, got ${args.map((a) => kindOf(a)).join(', ')}`);
    const content = scope.files?.get(path);
    if (content === undefined) throw new TemplateRenderError(`${head.base === 'root' ? '$' : ''}.Files.Get: the chart has no file "${path}" (templates/ is not readable this way)`);
    return content;
  };

  const command = (cmd: Command, d: GoValue, piped: readonly GoValue[]): GoValue => {
    const [head, ...args] = cmd;
    if (head === undefined) throw new TemplateRenderError('empty command');
    if (head.kind === 'func') return call(head.name, args, d, piped);
    if (head.kind === 'field' && (head.base === 'root' || d === scope.root) && head.path.join('.') === 'Files.Get') {
      return filesGet(head, [...args.map((a) => operand(a, d)), ...piped]);
    }
    if (args.length > 0 || piped.length > 0) throw new TemplateRenderError(`can't give an argument to a non-function (${head.kind})`);
    return operand(head, d);
  };

  const pipeline = (pipe: Pipeline, d: GoValue): GoValue => {
    let piped: GoValue[] = [];
    for (const cmd of pipe) piped = [command(cmd, d, piped)];
    return piped[0] ?? null;
  };

  const render = (list: readonly TemplateNode[], d: GoValue): string => {
    let out = '';
    for (const node of list) {
      switch (node.type) {
        case 'text':
          out += node.text;
          break;
        case 'action':
          out += printValue(pipeline(node.pipe, d));
          break;
        case 'if':
        case 'with': {
          let taken = false;
          for (const branch of node.branches) {
            const v = pipeline(branch.pipe, d);
            if (!truthy(v)) continue;
            out += render(branch.body, node.type === 'with' ? v : d);
            taken = true;
            break;
          }
          if (!taken) out += render(node.otherwise, d);
          break;
        }
        case 'range': {
          const v = pipeline(node.pipe, d);
          const items = Array.isArray(v)
            ? (v as readonly GoValue[])
            : isMap(v)
              ? Object.keys(v)
                  .sort()
                  .map((k) => v[k] ?? null)
              : v === null
                ? []
                : undefined;
          if (items === undefined) throw new TemplateRenderError(`range can't iterate over a ${kindOf(v)}`);
          out += items.length === 0 ? render(node.otherwise, d) : items.map((item) => render(node.body, item)).join('');
          break;
        }
      }
    }
    return out;
  };

  return render(nodes, dot);
}
