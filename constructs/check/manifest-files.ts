/**
 * Reading Kubernetes manifests from files, folders and standard input: YAML (one or many documents
 * per file) and JSON, `kind: List` and typed lists (`DeploymentList`, what `kubectl get -o yaml`
 * writes) expanded into their items. Every object remembers where it was read, so that a finding
 * can name the file and the line of the field.
 *
 * Parsing uses js-yaml (about five times faster than the `yaml` library on large inputs, which
 * matters at thousands of objects); the line of a field is found afterwards, only for documents
 * that have findings, from js-yaml's parser events of that document, which carry source offsets.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CORE_SCHEMA, EVENT_ID, getScalarValue, loadAll, mergeTag, parseEvents, SCALAR_STYLE, YAMLException, type Event } from 'js-yaml';
import { isRecord, type Json, type Manifest } from '../wiring/_json';

/** A manifest that cannot be read: the command exits 2 with this message. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputError';
  }
}

/** One object and where it was read. */
export interface SourceObject {
  readonly object: Manifest;
  /** The file as given (relative to the working directory when under it), `-` for standard input. */
  readonly file: string;
  /** JSON pointer of the object in its document: '' or `/items/3` for an item of a List. */
  readonly pointer: string;
  /** The document, for finding the line of a field. */
  readonly document: SourceDocument;
}

/** One YAML or JSON document of a file. */
export interface SourceDocument {
  /** The document's text. */
  readonly text: string;
  /** 0-based line of the text's start in its file. */
  readonly firstLine: number;
  /** Index of the document among those its text holds (a `...` marker can end one and start another). */
  readonly index: number;
}

/** The objects read from some paths. */
export interface ManifestInput {
  readonly objects: readonly SourceObject[];
  /** The files read, in order. */
  readonly files: readonly string[];
}

/** Options of {@link readManifests}. */
export interface ReadOptions {
  /** Reads standard input, for the path `-`. @default - fs.readFileSync(0) */
  readonly stdin?: () => string;
  /** Paths are shown relative to this folder when under it. @default process.cwd() */
  readonly cwd?: string;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/i;
const YAML_SCHEMA = CORE_SCHEMA.withTags(mergeTag);

/**
 * Reads every manifest under `paths`: files, folders (recursively, `*.yaml`, `*.yml`, `*.json`,
 * hidden entries skipped, in name order) and `-` for standard input.
 * Throws InputError for a path that does not exist, a file that cannot be read or parsed, a
 * document that is not a mapping, or no manifest at all.
 */
export function readManifests(paths: readonly string[], options: ReadOptions = {}): ManifestInput {
  if (paths.length === 0) throw new InputError('no files or folders to check');
  const cwd = options.cwd ?? process.cwd();
  const files: Array<{ display: string; read: () => string }> = [];
  for (const p of paths) {
    if (p === '-') {
      files.push({ display: '-', read: options.stdin ?? (() => fs.readFileSync(0, 'utf8')) });
      continue;
    }
    const absolute = path.resolve(cwd, p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(absolute);
    } catch {
      throw new InputError(`${p}: no such file or folder`);
    }
    const found = stat.isDirectory() ? manifestFilesUnder(absolute) : [absolute];
    if (stat.isDirectory() && found.length === 0) throw new InputError(`${p}: no *.yaml, *.yml or *.json files in this folder`);
    for (const file of found) files.push({ display: displayPath(file, cwd), read: () => readText(file, displayPath(file, cwd)) });
  }
  const objects: SourceObject[] = [];
  for (const f of files) objects.push(...parseManifests(f.read(), f.display));
  return { objects, files: files.map((f) => f.display) };
}

/** The objects of one file's text; `file` names it in messages. Throws InputError. */
export function parseManifests(text: string, file: string): SourceObject[] {
  const objects: SourceObject[] = [];
  const json = /\.json$/i.test(file);
  for (const chunk of json ? [{ text, firstLine: 0 }] : splitDocuments(text)) {
    let values: unknown[];
    try {
      values = json ? [JSON.parse(chunk.text)] : loadAll(chunk.text, { schema: YAML_SCHEMA, filename: file });
    } catch (e) {
      throw new InputError(parseErrorMessage(e, file, chunk.firstLine));
    }
    values.forEach((value, index) => {
      if (value === null || value === undefined) return; // an empty document
      const document: SourceDocument = { text: chunk.text, firstLine: chunk.firstLine, index };
      if (!isRecord(value)) {
        throw new InputError(`${file}:${chunk.firstLine + 1}: a document is ${Array.isArray(value) ? 'a list' : `the ${typeof value} ${JSON.stringify(value)}`}, not a Kubernetes object`);
      }
      for (const [pointer, item] of expandLists(value)) objects.push({ object: item as Manifest, file, pointer, document });
    });
  }
  return objects;
}

/**
 * `kind: List` (and `<Kind>List` with `items`) as its items, each with its pointer; an item of a
 * typed list without apiVersion or kind gets the list's (`DeploymentList` -> `Deployment`).
 */
function expandLists(value: Json): Array<[string, Json]> {
  const kind = typeof value.kind === 'string' ? value.kind : '';
  if (!kind.endsWith('List') || !Array.isArray(value.items)) return [['', value]];
  const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length);
  const out: Array<[string, Json]> = [];
  value.items.forEach((item: unknown, i: number) => {
    if (!isRecord(item)) return;
    const filled = itemKind === undefined ? item : { apiVersion: value.apiVersion, kind: itemKind, ...item };
    for (const [pointer, inner] of expandLists(filled)) out.push([`/items/${i}${pointer}`, inner]);
  });
  return out;
}

/**
 * The documents of a YAML stream, split at `---` lines. A line that starts with `---` followed by
 * a blank or its end is always a document marker (YAML 1.2, c-forbidden), never content, so the
 * split is exact; directives (`%YAML`) before a marker go with the document it starts.
 */
export function splitDocuments(text: string): Array<{ text: string; firstLine: number }> {
  const lines = text.split('\n');
  const starts = [0];
  for (let i = 1; i < lines.length; i++) {
    if (!/^---(?:[ \t\r]|$)/.test(lines[i])) continue;
    let start = i;
    while (start > starts[starts.length - 1] && lines[start - 1].startsWith('%')) start--;
    starts.push(start);
  }
  return starts.map((start, i) => ({ text: lines.slice(start, starts[i + 1] ?? lines.length).join('\n'), firstLine: start }));
}

function parseErrorMessage(e: unknown, file: string, firstLine: number): string {
  if (e instanceof YAMLException) {
    const at = e.mark ? `:${firstLine + e.mark.line + 1}:${e.mark.column + 1}` : '';
    return `${file}${at}: not valid YAML: ${e.reason}`;
  }
  if (e instanceof SyntaxError) return `${file}: not valid JSON: ${e.message}`;
  return `${file}: cannot be parsed: ${e instanceof Error ? e.message : String(e)}`;
}

function manifestFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...manifestFilesUnder(full));
    else if (MANIFEST_FILE.test(entry.name)) out.push(full);
  }
  return out;
}

function readText(file: string, display: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(`${display}: cannot be read${code ? ` (${code})` : ''}`);
  }
}

function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : file;
}

// ---------------------------------------------------------------------------------------------
// Lines

interface LocatedText {
  readonly events: Event[];
  /** Offsets where lines start. */
  readonly lineStarts: number[];
}

const locatedDocuments = new WeakMap<SourceDocument, LocatedText>();

/**
 * The 1-based line of `fieldPath` (a finding's path) in the file of `source`: the line of the
 * deepest part of the path that exists (a missing field is reported at its parent). Inside a
 * literal block holding a YAML configuration (`config.yaml: |`), the line of the field in it.
 * Reads the document's parser events (js-yaml's, which carry source offsets) once, on first use.
 */
export function lineOf(source: SourceObject, fieldPath: string): number | undefined {
  let located = locatedDocuments.get(source.document);
  if (!located) {
    try {
      located = locate(source.document.text);
    } catch {
      return undefined; // JSON that YAML does not read (tabs in flow collections): no line
    }
    locatedDocuments.set(source.document, located);
  }
  const hash = fieldPath.indexOf('#');
  const outer = hash < 0 ? fieldPath : fieldPath.slice(0, hash);
  const found = findNode(located.events, source.document.text, source.document.index, pointerSegments(source.pointer + outer));
  if (!found) return undefined;
  const line = source.document.firstLine + lineAt(located.lineStarts, found.offset);
  const node = found.complete ? located.events[found.index] : undefined;
  if (hash < 0 || node?.type !== EVENT_ID.SCALAR || node.style !== SCALAR_STYLE.LITERAL_BLOCK) return line;
  // A literal block keeps the lines of its content.
  const inner = /^(\d*)(.*)$/.exec(fieldPath.slice(hash + 1));
  const content = getScalarValue(source.document.text, node);
  let innerText: LocatedText;
  try {
    innerText = locate(content);
  } catch {
    return line;
  }
  const innerFound = findNode(innerText.events, content, Number(inner?.[1] || 0), pointerSegments(inner?.[2] ?? ''));
  // `line` is the key's (`config.yaml: |`); the literal's first line is the next one.
  return innerFound ? line + lineAt(innerText.lineStarts, innerFound.offset) : line;
}

function locate(text: string): LocatedText {
  const lineStarts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  return { events: parseEvents(text, {}), lineStarts };
}

/** 1-based line of an offset. */
function lineAt(lineStarts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (lineStarts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

function pointerSegments(pointer: string): string[] {
  return pointer === '' ? [] : pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Index after the node that starts at event `i`. */
function skipNode(events: readonly Event[], i: number): number {
  const type = events[i].type;
  if (type !== EVENT_ID.MAPPING && type !== EVENT_ID.SEQUENCE) return i + 1;
  let depth = 1;
  let j = i + 1;
  while (depth > 0 && j < events.length) {
    const t = events[j].type;
    if (t === EVENT_ID.MAPPING || t === EVENT_ID.SEQUENCE) depth++;
    else if (t === EVENT_ID.POP) depth--;
    j++;
  }
  return j;
}

function offsetOf(e: Event): number {
  switch (e.type) {
    case EVENT_ID.SCALAR: return e.valueStart;
    case EVENT_ID.ALIAS: return e.anchorStart;
    case EVENT_ID.MAPPING: case EVENT_ID.SEQUENCE: return e.start;
    default: return 0;
  }
}

/**
 * The node at `segments` in document `documentIndex` of the events: the event index of the
 * node, and the offset to report (the key's, for a mapping value), or the deepest that exists.
 */
function findNode(events: readonly Event[], text: string, documentIndex: number, segments: readonly string[]): { index: number; offset: number; complete: boolean } | undefined {
  let i = 0;
  for (let d = -1; i < events.length; i++) {
    if (events[i].type === EVENT_ID.DOCUMENT && ++d === documentIndex) break;
  }
  i++;
  if (i >= events.length || events[i].type === EVENT_ID.POP) return undefined;
  let offset = offsetOf(events[i]);
  for (const segment of segments) {
    const e = events[i];
    let next = -1;
    if (e.type === EVENT_ID.MAPPING) {
      for (let j = i + 1; j < events.length && events[j].type !== EVENT_ID.POP;) {
        const key = events[j];
        const value = skipNode(events, j);
        if (key.type === EVENT_ID.SCALAR && getScalarValue(text, key) === segment) {
          next = value;
          offset = key.valueStart;
          break;
        }
        j = skipNode(events, value);
      }
    } else if (e.type === EVENT_ID.SEQUENCE && /^\d+$/.test(segment)) {
      let j = i + 1;
      for (let n = 0; n < Number(segment) && j < events.length && events[j].type !== EVENT_ID.POP; n++) j = skipNode(events, j);
      if (j < events.length && events[j].type !== EVENT_ID.POP) {
        next = j;
        offset = offsetOf(events[j]);
      }
    }
    if (next < 0) return { index: i, offset, complete: false };
    i = next;
  }
  return { index: i, offset, complete: true };
}
