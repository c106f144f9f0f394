/** One numbered schema step of a ledger backend; a ledger records the highest version it has applied. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
