import { createRequire } from 'node:module';
import { own } from '../util/lookup.js';
import type { MathNode } from 'mathjs';

// mathjs's single-file bundle loads in a fraction of the time of its ESM tree (which every CLI start would pay).
let parser: { parse(expression: string): MathNode } | undefined;
const math = {
  parse(expression: string): MathNode {
    parser ??= createRequire(import.meta.url)('mathjs/lib/browser/math.js');
    return parser!.parse(expression);
  },
};

/**
 * A derived-indicator formula (mathjs syntax) compiled once into a vectorised kernel: one generated
 * loop over Float64Array columns, never an expression evaluated row by row. Missing inputs are NaN,
 * and NaN propagates, so a derived cell exists only where every input does.
 */
export interface CompiledFormula {
  expression: string;
  /** Indicator ids the formula reads, in the order the kernel takes their columns. */
  inputs: string[];
  /** out[i] = f(columns[0][i], columns[1][i], ...) for i < out.length. */
  kernel: (columns: readonly Float64Array[], out: Float64Array) => void;
  /** The same formula over scalars (for explanations and tests). */
  evaluate: (values: Record<string, number>) => number;
}

const FUNCTIONS: Record<string, string> = {
  log10: 'Math.log10',
  log: 'Math.log',
  ln: 'Math.log',
  exp: 'Math.exp',
  sqrt: 'Math.sqrt',
  abs: 'Math.abs',
  min: 'Math.min',
  max: 'Math.max',
  floor: 'Math.floor',
  ceil: 'Math.ceil',
  round: 'Math.round',
};
const OPERATORS = new Set(['+', '-', '*', '/', '^']);

/**
 * A formula as generated JavaScript: what `compileFormula` turns into functions. The bundled snapshot carries the
 * bundled registry's formulas in this form (`addCompiledFormulas`), so a command that derives an indicator does
 * not load the parser (mathjs: a quarter of a second of module loading).
 */
export interface FormulaSource {
  expression: string;
  inputs: string[];
  /** out[i] = js over c0[i], c1[i], ... */
  js: string;
  /** The same over v["id"]. */
  scalarJs: string;
}

const compiledAhead = new Map<string, FormulaSource>();

/** Formulas generated ahead of time by `formulaSource` (from the same expressions): `compileFormula` skips parsing them. */
export function addCompiledFormulas(sources: readonly FormulaSource[]): void {
  for (const f of sources) compiledAhead.set(f.expression, f);
}

/** Parse a formula and generate its JavaScript (throws on a syntax error or a construct that is not allowed). */
export function formulaSource(expression: string): FormulaSource {
  let node: MathNode;
  try {
    node = math.parse(expression);
  } catch (e) {
    throw new Error(`cannot parse: ${(e as Error).message}`);
  }
  // An assignment "x = a / b" names its target; the kernel computes the right-hand side.
  if (node.type === 'AssignmentNode') node = (node as unknown as { value: MathNode }).value;
  const inputs: string[] = [];
  const js = toJs(node, (name) => {
    let k = inputs.indexOf(name);
    if (k < 0) k = inputs.push(name) - 1;
    return `c${k}[i]`;
  });
  return { expression, inputs, js, scalarJs: toJs(node, (name) => `v[${JSON.stringify(name)}]`) };
}

export function compileFormula(expression: string): CompiledFormula {
  const { inputs, js, scalarJs } = compiledAhead.get(expression) ?? formulaSource(expression);
  const args = inputs.map((_, k) => `c${k}`);
  const body = `const [${args.join(', ')}] = columns; const n = out.length;\n` + `for (let i = 0; i < n; i++) out[i] = ${js};`;
  const kernel = new Function('columns', 'out', body) as CompiledFormula['kernel'];
  const scalar = new Function('v', `return ${scalarJs};`) as (v: Record<string, number>) => number;
  return {
    expression,
    inputs,
    kernel: (columns, out) => {
      if (columns.length !== inputs.length) throw new Error(`formula "${expression}" takes ${inputs.length} columns, got ${columns.length}`);
      kernel(columns, out);
    },
    evaluate: (values) => {
      for (const name of inputs) if (!(name in values)) throw new Error(`formula "${expression}" needs ${name}`);
      return scalar(values);
    },
  };
}

/** mathjs AST to a JavaScript expression; only arithmetic, constants, symbols and a few Math functions. */
function toJs(node: MathNode, symbol: (name: string) => string): string {
  // biome-ignore lint/suspicious/noExplicitAny: mathjs node subclasses carry their fields (value, name, fn, args) untyped on the base type
  const n = node as any;
  switch (node.type) {
    case 'ConstantNode':
      if (typeof n.value !== 'number') throw new Error(`only numeric constants are allowed, not ${JSON.stringify(n.value)}`);
      return `(${n.value})`;
    case 'SymbolNode':
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(n.name)) throw new Error(`bad name ${n.name}`);
      return symbol(n.name);
    case 'ParenthesisNode':
      return `(${toJs(n.content, symbol)})`;
    case 'OperatorNode': {
      const args = n.args.map((a: MathNode) => toJs(a, symbol));
      if (n.fn === 'unaryMinus') return `(-${args[0]})`;
      if (n.fn === 'unaryPlus') return `(+${args[0]})`;
      if (!OPERATORS.has(n.op) || args.length !== 2) throw new Error(`operator ${n.op} is not allowed`);
      return n.op === '^' ? `(${args[0]} ** ${args[1]})` : `(${args[0]} ${n.op} ${args[1]})`;
    }
    case 'FunctionNode': {
      const name = n.fn?.name;
      const fn = own(FUNCTIONS, name);
      if (!fn) throw new Error(`function ${name} is not allowed (allowed: ${Object.keys(FUNCTIONS).join(', ')})`);
      return `${fn}(${n.args.map((a: MathNode) => toJs(a, symbol)).join(', ')})`;
    }
    default:
      throw new Error(`${node.type} is not allowed in a formula`);
  }
}
