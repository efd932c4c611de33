// Wire types of the Veritas API (shared/API.md). Field names are the server's.

export type JobStatus = 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';
export type Severity = 'high' | 'medium' | 'low';

export interface Summary {
  findings: number;
  high: number;
  medium: number;
  low: number;
  errors: number;
}

export interface Document {
  id: string;
  filename: string;
  size_bytes: number;
}

export interface Job {
  id: string;
  name: string;
  status: JobStatus;
  error_message: string | null;
  enabled_agents: string[];
  agents: Record<string, string>;
  summary: Summary;
  last_seq: number;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  documents: Document[] | null;
}

/** One row of an agent's output: a finding, an empty row (nothing found) or an error row. */
export interface Result {
  id: string;
  job_id: string;
  agent_id: string;
  category: string;
  severity: Severity | null;
  description: string | null;
  reasoning: string | null;
  source_refs: string[] | null;
  error: string | null;
  raw_data: unknown;
  created_at: string;
}

export interface Agent {
  id: string;
  category: string;
  name: string;
  description: string;
  available: boolean;
  reason: string;
}

interface EventBase {
  job_id: string;
  seq: number;
  timestamp: string;
}

export type AuditEvent = EventBase &
  (
    | { type: 'job_queued'; enabled_agents: string[] }
    | { type: 'agent_started'; agent_id: string }
    | { type: 'agent_progress'; agent_id: string; done: number; total: number; message?: string }
    | { type: 'agent_completed'; agent_id: string; findings: Result[] }
    | { type: 'agent_error'; agent_id: string; error: string }
    | { type: 'audit_complete'; status: 'completed' | 'failed' | 'cancelled'; summary: Summary }
  );

/** A result row that is a finding (not an empty "nothing found" row, not an error row). */
export function isFinding(r: Result): boolean {
  return r.error == null && r.description != null && r.description !== '';
}
