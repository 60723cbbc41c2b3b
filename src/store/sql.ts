/** SQL text helpers for values of our own (never user input: that always goes in as a bound parameter). */

/** A path of ours as a SQL string literal (COPY … TO takes no parameter); quotes doubled. */
export function sqlPath(p: string): string {
  return `'${p.replaceAll("'", "''")}'`;
}
