/**
 * From a Predict API request body to the Kubernetes objects it holds: YAML (one or many documents
 * separated by `---`) or JSON (one object, or a `List` as `kubectl get … -o json` prints it).
 * Errors are 400s that say where: the document, the line and column.
 */
import { Composer, LineCounter, Parser, type Document } from 'yaml';
import { AppError, errorMessage } from '../errors.js';
import { nestsDeeperThan, TOO_DEEP_MESSAGE, valueNestsDeeperThan } from '../json-nesting.js';
import { cstNestsDeeperThan } from './yaml-nesting.js';

/** How to read a body: by its declared type, or `sniff` for an untyped or generic one. */
export type ManifestFormat = 'yaml' | 'json' | 'sniff';

/** One object of the body and where it was, for messages (`document 2`, `document 1, item 3`). */
export interface ManifestObject {
  readonly object: Readonly<Record<string, unknown>>;
  /** Its `kind`, never empty. */
  readonly kind: string;
  readonly where: string;
}

/** Aliases one document may expand; past it a "billion laughs" body is refused, not expanded. */
export const MAX_YAML_ALIASES = 100;

type Doc = { readonly value: unknown; readonly where: string };

/** The objects of a body, in order; empty documents are skipped. Throws a 400 {@link AppError}. */
export function parseManifests(text: string, format: ManifestFormat): ManifestObject[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const json = format === 'json' || (format === 'sniff' && /^\s*[[{]/.test(body));
  const docs = json ? jsonDocuments(body) : yamlDocuments(body);
  const out: ManifestObject[] = [];
  for (const doc of docs) flattenInto(out, doc);
  return out;
}

function jsonDocuments(body: string): Doc[] {
  if (nestsDeeperThan(body)) throw new AppError('BAD_BODY', TOO_DEEP_MESSAGE);
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch (err) {
    throw new AppError('BAD_BODY', `invalid JSON${jsonPlace(body, err)}: ${jsonReason(err)}`);
  }
  // A bare array is read as the items of a List.
  if (Array.isArray(value)) return value.map((v: unknown, i) => ({ value: v, where: `item ${i + 1}` }));
  return [{ value, where: 'the body' }];
}

/** ` at line L, column C` from V8's `… in JSON at position N`, when it says where. */
function jsonPlace(body: string, err: unknown): string {
  const m = err instanceof Error ? /at position (\d+)/.exec(err.message) : null;
  if (m === null) return '';
  const pos = Number(m[1]);
  const before = body.slice(0, pos);
  const line = before.split('\n').length;
  const column = pos - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}`;
}

function jsonReason(err: unknown): string {
  const message = errorMessage(err);
  return message.replace(/ in JSON at position \d+.*$/s, '').replace(/ \(line \d+ column \d+\)$/, '');
}

function yamlDocuments(body: string): Doc[] {
  // parseAllDocuments, taken apart so that each document's syntax tree is checked for depth
  // before it is composed (cstNestsDeeperThan says why). merge: Kubernetes' YAML reader (go-yaml)
  // honours `<<` merge keys, so manifests use them.
  const lines = new LineCounter();
  // logLevel error: the reader's warnings (a collection used as a key, say) would go to stderr through
  // process.emitWarning, quoting the client's text outside the log; the document reads the same.
  const composer = new Composer({ merge: true, logLevel: 'error' });
  const parsed: Document.Parsed[] = [];
  for (const token of new Parser(lines.addNewLine).parse(body)) {
    if (cstNestsDeeperThan(token)) throw new AppError('BAD_BODY', TOO_DEEP_MESSAGE);
    for (const doc of composer.next(token)) parsed.push(doc);
  }
  for (const doc of composer.end()) parsed.push(doc);
  return parsed.map((doc, i) => {
    const where = `document ${i + 1}`;
    const error = doc.errors[0];
    if (error !== undefined) {
      const pos = lines.linePos(error.pos[0]);
      throw new AppError('BAD_BODY', `invalid YAML in ${where} at line ${pos.line}, column ${pos.col}: ${error.message}`);
    }
    try {
      const value: unknown = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
      // Aliases can nest what the syntax does not.
      if (valueNestsDeeperThan(value)) throw new AppError('BAD_BODY', TOO_DEEP_MESSAGE);
      return { value, where };
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new AppError('BAD_BODY', `invalid YAML in ${where}: ${errorMessage(err)}`);
    }
  });
}

/** Whether a parsed value is a JSON object (not null, not an array). */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  return v === null ? 'null' : `a ${typeof v}`;
}

/**
 * Adds one document's objects: itself, or a List's items (a typed list's items inherit its kind).
 * Only a document is unpacked: a List inside a List stays one (unsupported) object, so nesting
 * cannot run the stack out.
 */
function flattenInto(out: ManifestObject[], doc: Doc, unpack = true): void {
  const { value, where } = doc;
  // An empty document (`---` with nothing after it) is not an object to price nor an error.
  if (value === null || value === undefined) return;
  if (!isRecord(value)) throw new AppError('BAD_BODY', `${where} is not a Kubernetes object: got ${describe(value)}`);
  const kind = value['kind'];
  if (typeof kind !== 'string' || kind === '') {
    throw new AppError('BAD_BODY', `${where} has no "kind": every object needs apiVersion and kind`);
  }
  const items = value['items'];
  if (!unpack || !kind.endsWith('List') || !Array.isArray(items)) {
    out.push({ object: value, kind, where });
    return;
  }
  // `DeploymentList` (the API's own answer) leaves kind and apiVersion off its items; `List` does not.
  const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
  const apiVersion = value['apiVersion'];
  items.forEach((item: unknown, i) => {
    const itemWhere = `${where}, item ${i + 1}`;
    if (!isRecord(item)) throw new AppError('BAD_BODY', `${itemWhere} is not a Kubernetes object: got ${describe(item)}`);
    const object = { ...item };
    if (object['kind'] === undefined && itemKind !== undefined) object['kind'] = itemKind;
    if (object['apiVersion'] === undefined && itemKind !== undefined && apiVersion !== undefined) object['apiVersion'] = apiVersion;
    flattenInto(out, { value: object, where: itemWhere }, false);
  });
}
