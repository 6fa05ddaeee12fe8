/**
 * A count in a description, with thousands separators ("10,000"). Not `toLocaleString`: its first
 * call loads ICU's number formatting, ~6 MiB of RSS in a gateway that uses Intl nowhere else at
 * start (docs/benchmarks.md, "Memory after start").
 */
export const thousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
