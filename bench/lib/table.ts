// Markdown for RESULTS.md: one table shape for every section (figure | ferry | reference |
// ratio | aim | rounds), and the number formats the sections share. Pure.

export interface Row {
  figure: string;
  ferry: string;
  reference: string;
  ratio: string;
  aim: string;
  /** Per-round values, "ferry / reference" per round, in round order. */
  rounds: string;
}

export const RESULT_COLUMNS = ['figure', 'ferry', 'reference', 'ratio', 'aim', 'rounds'] as const;

/** A markdown table; `|` inside a cell is escaped so a cell never splits. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cell = (text: string): string => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
  const line = (cells: readonly string[]): string => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map((row) => line(header.map((_, index) => row[index] ?? '')))].join('\n');
}

export function resultTable(rows: readonly Row[]): string {
  return markdownTable(RESULT_COLUMNS, rows.map((row) => RESULT_COLUMNS.map((column) => row[column])));
}

/** Fixed decimals with thousands separators: 12345.6 → "12,345.6". */
export function num(value: number, decimals = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

/** ferry ÷ reference as "0.83×"; n/a when either is missing. */
export function ratio(ferry: number, reference: number, decimals = 2): string {
  return Number.isFinite(ferry) && Number.isFinite(reference) && reference !== 0 ? `${num(ferry / reference, decimals)}×` : 'n/a';
}

/** Per-round values of ferry and its reference side by side: "210 / 350, 205 / 348". */
export function perRound(ferry: readonly number[], reference: readonly number[] | undefined, decimals = 0): string {
  return ferry.map((value, index) => (reference ? `${num(value, decimals)} / ${num(reference[index] ?? Number.NaN, decimals)}` : num(value, decimals))).join(', ');
}
