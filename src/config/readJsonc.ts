// Job and config files are JSON with comments (JSONC), so examples can explain themselves.
// They are read with jsonc-parser, the parser VS Code's JSON support is built on, so ferry and
// the operator's editor agree on what a file means (comments, trailing commas, and nothing
// else). A syntax error becomes one message with file:line:column, what is wrong and the fix;
// the parse tree is kept so schema problems can name their line too (load.ts).

import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { UsageError } from '../core/errors.ts';

export interface JsoncDocument {
  value: unknown;
  /** The 1-based line of the key at `keyPath` (or of its nearest ancestor that exists), for messages. */
  lineOf(keyPath: readonly PropertyKey[]): number;
}

const OPTIONS = { allowTrailingComma: true, disallowComments: false, allowEmptyContent: false };

/** What each syntax error means to a person editing the file, and how to fix it; by the parser's name of the error (ParseErrorCode is a const enum, not a value we can import). */
const EXPLAINED: Record<string, [what: string, fix: string]> = {
  InvalidSymbol: ['unexpected text', 'put strings and keys in double quotes ("key": "value") and remove stray characters'],
  InvalidNumberFormat: ['a malformed number', 'write numbers like 8, 0.5 or 1e3 (no leading zeros, no thousands separators)'],
  PropertyNameExpected: ['a key was expected', 'put each key in double quotes ("key": value), and remove a comma with nothing after it'],
  ValueExpected: ['a value was expected', 'give a value: a string in double quotes, a number, true, false, null, an object or a list'],
  ColonExpected: ['a colon was expected after the key', 'write "key": value'],
  CommaExpected: ['a comma was expected', 'separate the entries of an object or list with commas (one value per key)'],
  CloseBraceExpected: ['an object is not closed', 'add the missing } (or a comma between two entries)'],
  CloseBracketExpected: ['a list is not closed', 'add the missing ] (or a comma between two values)'],
  EndOfFileExpected: ['text after the end of the document', 'a file holds one object: remove what follows its closing }'],
  InvalidCommentToken: ['a broken comment', 'write comments as // to the end of the line, or /* ... */'],
  UnexpectedEndOfComment: ['a comment is not closed', 'close /* comments with */'],
  UnexpectedEndOfString: ['a string is not closed', 'add the closing double quote (a string cannot span lines)'],
  UnexpectedEndOfNumber: ['a number ends too early', 'complete the number (e.g. 1.5, not 1.)'],
  InvalidUnicode: ['a broken \\u escape', 'write \\u and four hex digits, or the character itself'],
  InvalidEscapeCharacter: ['an unknown escape after a backslash', 'double every backslash in paths ("C:\\\\videos\\\\a.mp4") or use forward slashes'],
  InvalidCharacter: ['a control character (a tab or line break) inside a string', 'write it as \\t or \\n, or keep the string on one line'],
};

/** Parses `text` (the contents of `file`); throws one UsageError naming file:line:column for a syntax error. */
export function parseJsonc(text: string, file: string): JsoncDocument {
  // Editors on Windows may save a byte order mark; it is not content.
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') throw new UsageError(`${file}: the file is empty. Fix: write a JSON object, e.g. {} (see config.example.json and jobs/).`);
  const errors: ParseError[] = [];
  const root = parseTree(body, errors, OPTIONS);
  const first = errors[0];
  if (first || !root) {
    const offset = first?.offset ?? 0;
    const { line, column } = position(body, offset);
    const code = first ? printParseErrorCode(first.error) : 'ValueExpected';
    const [what, fix] = EXPLAINED[code] ?? [code, 'correct the syntax'];
    const near = body.slice(offset, offset + Math.max(1, Math.min(first?.length ?? 1, 20))).split('\n')[0];
    throw new UsageError(`${file}:${line}:${column}: not valid JSON: ${what}${near ? `, near ${near}` : ''}. Fix: ${fix}; comments (// and /* */) and trailing commas are allowed.`);
  }
  return { value: getNodeValue(root) as unknown, lineOf: (keyPath) => position(body, locate(root, keyPath).offset).line };
}

/** The node of the key at `keyPath` (its property, so the line is the key's), or of its nearest ancestor that exists. */
function locate(root: Node, keyPath: readonly PropertyKey[]): Node {
  for (let depth = keyPath.length; depth > 0; depth--) {
    const node = findNodeAtLocation(root, keyPath.slice(0, depth).map((segment) => (typeof segment === 'number' ? segment : String(segment))));
    if (node) return node.parent?.type === 'property' ? node.parent : node;
  }
  return root;
}

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let index = 0; index < offset && index < text.length; index++) {
    if (text[index] === '\n') {
      line++;
      lineStart = index + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
