// CSV manifests, streamed through csv-parse: header row, column mapping from the job file,
// BOM, CRLF, quoted newlines and delimiters. File-level problems throw a UsageError naming the
// file, line and fix; a bad row becomes a rejected entry and the other rows go on. Lines of blanks
// are skipped. A ferry report read back as a manifest is recognised (see reportDialect.ts).

import { access, constants, stat } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'csv-parse';
import { UsageError } from '../core/errors.ts';
import { readInRuns } from './batching.ts';
import { fieldLengthProblem, fileNameProblem, sourceKindProblem, URL_SCHEME, type ItemChecks } from './itemChecks.ts';
import { isMaskedSource, isReportHeader, unprotectCell } from './reportDialect.ts';
import type { ManifestEntry, ManifestSource } from './types.ts';
import { readUtf8Chunks } from './utf8.ts';

export interface CsvManifestOptions {
  path: string;
  /** Manifest field → CSV header. `source` is required; `key` optional (default: the source). */
  columns: { source: string; key?: string; [field: string]: string | undefined };
  delimiter?: string;
  /** What the job's target accepts; a row that breaks it is rejected with its line and the fix. */
  checks?: ItemChecks;
}

export function openCsvManifest(options: CsvManifestOptions): ManifestSource {
  const file = path.resolve(options.path);
  return {
    description: file,
    batches: (signal) => readCsv(file, options, signal),
  };
}

type ParsedRecord = { record: string[]; info: { lines: number } };

async function* readCsv(file: string, options: CsvManifestOptions, signal?: AbortSignal): AsyncGenerator<ManifestEntry[]> {
  const unreadable = await unreadableBecause(file);
  if (unreadable) throw new UsageError(`${file}: the manifest ${unreadable}. Fix: check source.path in the job file (relative paths start at the job file's folder).`);
  const baseDir = path.dirname(file);
  const delimiter = options.delimiter ?? ',';
  const parser = parse({ bom: true, delimiter, info: true, relax_column_count: true, skip_empty_lines: true });
  const feeding = feed(file, parser, signal);
  let mapping: ColumnMapping | undefined;
  let rows = 0;
  try {
    for await (const run of readInRuns<ParsedRecord>(parser)) {
      const entries: ManifestEntry[] = [];
      for (const { record, info } of run) {
        // A line of blanks (spaces, or only delimiters, as spreadsheets export) is no row at all.
        if (isBlankRecord(record)) continue;
        if (!mapping) {
          mapping = mapColumns(`${file}:${info.lines}`, record, options.columns, delimiter);
          continue;
        }
        entries.push(toEntry(record, `${file}:${info.lines}`, mapping, baseDir, options.checks));
      }
      rows += entries.length;
      if (entries.length > 0) yield entries;
    }
  } catch (error) {
    throw asUsageError(file, error);
  }
  await feeding;
  if (!mapping) throw new UsageError(`${file}: the manifest is empty (no header row). Fix: add a header row naming the columns, then one row per item.`);
  if (rows === 0) throw new UsageError(`${file}: the manifest has a header row but no items. Fix: add one row per item, or check that this is the right file.`);
}

function isBlankRecord(record: string[]): boolean {
  for (const value of record) if (value.length > 0 && value.trim() !== '') return false;
  return true;
}

/** Why `file` cannot be read as a manifest, or undefined when it can. */
async function unreadableBecause(file: string): Promise<string | undefined> {
  try {
    if ((await stat(file)).isDirectory()) return 'is a folder, not a CSV file';
    await access(file, constants.R_OK);
    return undefined;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not readable (permissions)' : `cannot be read (${(error as Error).message})`;
  }
}

async function feed(file: string, parser: ReturnType<typeof parse>, signal?: AbortSignal): Promise<void> {
  try {
    for await (const bytes of readUtf8Chunks(file, signal)) {
      if (!parser.write(bytes)) await new Promise((resolve) => parser.once('drain', resolve));
    }
    parser.end();
  } catch (error) {
    parser.destroy(error as Error);
  }
}

interface ColumnMapping {
  header: string[];
  source: number;
  key: number | undefined;
  fields: [name: string, index: number][];
  /** The file is a ferry report (reportDialect.ts): cells are unprotected, masked sources refused. */
  ferryReport: boolean;
}

/** Delimiters people export with; a header that reads as one column holding one of them used another. */
const OTHER_DELIMITERS = [';', '\t', '|'];

function mapColumns(where: string, header: string[], columns: CsvManifestOptions['columns'], delimiter: string): ColumnMapping {
  const names = header.map((name) => name.trim());
  const indexOf = (field: string, column: string): number => {
    const index = names.indexOf(column);
    if (index === -1) {
      const used = names.length === 1 ? OTHER_DELIMITERS.find((other) => other !== delimiter && names[0]!.includes(other)) : undefined;
      if (used !== undefined) {
        throw new UsageError(
          `${where}: the header row reads as one single column ("${names[0]}"): the file seems to be separated by ${JSON.stringify(used)}, not ${JSON.stringify(delimiter)}. ` +
            `Fix: set "delimiter": ${JSON.stringify(used)} in the job file's source section (source.delimiter).`,
        );
      }
      throw new UsageError(
        `${where}: the job maps ${field} to the column "${column}", but the header has no such column (it has: ${names.map((name) => `"${name}"`).join(', ')}). ` +
          `Fix: correct source.columns.${field} in the job file, or the header row.`,
      );
    }
    return index;
  };
  const fields: [string, number][] = [];
  for (const [field, column] of Object.entries(columns)) {
    if (column === undefined || field === 'source' || field === 'key') continue;
    fields.push([field, indexOf(field, column)]);
  }
  return {
    header: names,
    source: indexOf('source', columns.source),
    key: columns.key === undefined ? undefined : indexOf('key', columns.key),
    fields,
    ferryReport: isReportHeader(names),
  };
}

function toEntry(record: string[], origin: string, mapping: ColumnMapping, baseDir: string, checks: ItemChecks | undefined): ManifestEntry {
  const cell = (index: number): string => {
    const value = record[index] ?? '';
    return mapping.ferryReport ? unprotectCell(value) : value;
  };
  const rawSource = cell(mapping.source).trim();
  const rawKey = mapping.key === undefined ? undefined : cell(mapping.key).trim();
  const fallbackKey = rawKey || rawSource || origin;
  const reject = (reason: string): ManifestEntry => ({ kind: 'rejected', row: { key: fallbackKey, source: rawSource, origin, reason: `${origin}: ${reason}` } });
  if (record.length !== mapping.header.length) {
    return reject(`has ${record.length} fields but the header has ${mapping.header.length}; fix the row's commas or quoting`);
  }
  if (!rawSource) return reject(`the source column "${mapping.header[mapping.source]}" is empty`);
  if (mapping.key !== undefined && !rawKey) return reject(`the key column "${mapping.header[mapping.key]}" is empty`);
  if (mapping.ferryReport && isMaskedSource(rawSource)) {
    return reject(`the source's query string was masked in the ferry report this row comes from (it carried a signature, a credential), so it cannot be fetched. Fix: re-export this item from its origin with a fresh URL`);
  }
  const wrongKind = checks ? sourceKindProblem(rawSource, checks.source) : undefined;
  if (wrongKind) return reject(wrongKind);
  let source: string;
  if (URL_SCHEME.test(rawSource)) {
    if (!/^https?:\/\//i.test(rawSource)) return reject(`the source ${rawSource.split('?')[0]} is not an http(s) URL or a file path`);
    try {
      source = new URL(rawSource).href;
    } catch {
      return reject(`the source is not a valid URL`);
    }
  } else {
    source = path.resolve(baseDir, rawSource);
  }
  const fields: Record<string, string> = {};
  for (const [name, index] of mapping.fields) fields[name] = cell(index);
  const tooLong = checks ? (fieldLengthProblem(fields, checks) ?? fileNameProblem(source, null, checks)) : undefined;
  if (tooLong) return reject(tooLong);
  const key = rawKey || (URL_SCHEME.test(rawSource) ? source : path.relative(baseDir, source).split(path.sep).join('/'));
  return { kind: 'item', item: { key, source, fields, size: null, mtimeMs: null, origin } };
}

function asUsageError(file: string, error: unknown): Error {
  if (error instanceof UsageError) return error;
  const csvError = error as { code?: string; message?: string; lines?: number };
  if (typeof csvError.code === 'string' && csvError.code.startsWith('CSV_')) {
    const where = typeof csvError.lines === 'number' ? `:${csvError.lines}` : '';
    return new UsageError(`${file}${where}: malformed CSV: ${csvError.message}. Fix: repair the quoting near that line (a field with a comma, quote or line break must be wrapped in double quotes, inner quotes doubled).`);
  }
  return error as Error;
}
