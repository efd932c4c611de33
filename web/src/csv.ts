// Export of a job's result rows as CSV (RFC 4180) and JSON.

import type { Result } from './types';

export const csvColumns = ['agent_id', 'category', 'severity', 'description', 'reasoning', 'source_refs', 'error'] as const;

/** The rows worth exporting: findings and error rows, not the empty "nothing found" rows. */
export function exportable(rows: Result[]): Result[] {
  return rows.filter((r) => r.error != null || (r.description != null && r.description !== ''));
}

function cell(v: string): string {
  // A spreadsheet would run a cell that starts like a formula.
  if (/^[=+@\t\r]/.test(v) || /^-[^0-9]/.test(v)) v = "'" + v;
  return '"' + v.replace(/"/g, '""') + '"';
}

export function toCSV(rows: Result[]): string {
  const lines = [csvColumns.join(',')];
  for (const r of exportable(rows)) {
    lines.push(
      [r.agent_id, r.category, r.severity ?? '', r.description ?? '', r.reasoning ?? '', (r.source_refs ?? []).join('; '), r.error ?? '']
        .map(cell)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

export function toJSON(rows: Result[]): string {
  return JSON.stringify(exportable(rows), null, 2) + '\n';
}

export function fileStem(name: string): string {
  const s = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return (s || 'audit') + '-findings';
}

export function download(filename: string, type: string, body: string | Blob): void {
  const url = URL.createObjectURL(typeof body === 'string' ? new Blob([body], { type }) : body);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
