import { describe, expect, it } from 'vitest';
import { fileStem, toCSV, toJSON } from './csv';
import type { Result } from './types';

const base = { job_id: 'j', category: 'numeric', raw_data: {}, created_at: '2026-12-07T18:00:00Z' };
const rows: Result[] = [
  { ...base, id: '1', agent_id: 'numeric_validation', severity: 'high', description: 'Total "sales" off', reasoning: 'Formula: a + b\nDifference: 10', source_refs: ['Table 2', 'Note 5'], error: null },
  { ...base, id: '2', agent_id: 'logic_consistency', severity: null, description: null, reasoning: null, source_refs: null, error: null },
  { ...base, id: '3', agent_id: 'external_signal', severity: null, description: null, reasoning: null, source_refs: null, error: 'not configured' },
  { ...base, id: '4', agent_id: 'numeric_validation', severity: 'low', description: '=HYPERLINK("x")', reasoning: '', source_refs: [], error: null },
];

describe('export', () => {
  it('writes one quoted CSV row per finding or error row, skipping empty rows', () => {
    const lines = toCSV(rows).split('\r\n');
    expect(lines[0]).toBe('agent_id,category,severity,description,reasoning,source_refs,error');
    expect(lines[1]).toBe('"numeric_validation","numeric","high","Total ""sales"" off","Formula: a + b\nDifference: 10","Table 2; Note 5",""');
    expect(lines[2]).toBe('"external_signal","numeric","","","","","not configured"');
    expect(lines[3]).toBe(`"numeric_validation","numeric","low","'=HYPERLINK(""x"")","","",""`);
    expect(lines[4]).toBe('');
    expect(lines).toHaveLength(5);
  });

  it('writes the same rows as JSON', () => {
    expect(JSON.parse(toJSON(rows)).map((r: Result) => r.id)).toEqual(['1', '3', '4']);
  });

  it('names the file after the audit', () => {
    expect(fileStem('Nordhafen FY2024 (draft)')).toBe('nordhafen-fy2024-draft-findings');
    expect(fileStem('***')).toBe('audit-findings');
  });
});
