// ferry's own CSV report, read back as a manifest (`ferry report --only failed` feeds a follow-up
// job). Two things make a report differ from a plain CSV export, and the reader undoes both:
//
// - Spreadsheet safety: a cell that starts with = + - @ tab or CR is a formula to Excel, LibreOffice
//   and Google Sheets (CSV injection: a key like `=cmd|' /C calc'!A0`). The report prefixes such
//   cells with an apostrophe, which spreadsheets take as "text, do not evaluate". To keep that
//   reversible, a cell that itself starts with an apostrophe gets one too: so in a report, a
//   leading apostrophe is always ferry's, and removing exactly one gives the original value back.
//   The reader removes it only in a file that is a ferry report — recognised by its header, which
//   is ferry's column list exactly — because in any other CSV a leading apostrophe is data.
// - Masked sources: a signed URL's query string is written as `?***` (it is a credential). Such a
//   row cannot be fetched again; reading the report, it is rejected with that reason instead of
//   being sent to the platform to fail there.

export const REPORT_COLUMNS = ['key', 'source', 'state', 'remote_id', 'attempts', 'error', 'bytes', 'started_at', 'finished_at', 'duration_ms', 'origin'] as const;

/** Characters that make a spreadsheet evaluate a cell, plus the apostrophe that escapes them. */
const NEEDS_PROTECTION = /^[=+\-@\t\r']/;

/** A report cell as spreadsheets will not evaluate it. */
export function protectCell(text: string): string {
  return NEEDS_PROTECTION.test(text) ? `'${text}` : text;
}

/** The value `protectCell` was given. */
export function unprotectCell(text: string): string {
  return text.startsWith("'") ? text.slice(1) : text;
}

/** A header row (names trimmed) that is ferry's report header. */
export function isReportHeader(names: readonly string[]): boolean {
  return names.length === REPORT_COLUMNS.length && REPORT_COLUMNS.every((column, index) => names[index] === column);
}

/** A source whose query string the report masked: the URL in it is no longer the real one. */
export function isMaskedSource(source: string): boolean {
  const query = source.indexOf('?');
  return query >= 0 && source.includes('***', query);
}
