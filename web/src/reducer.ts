// The event reducer: turns a job's event stream (replayed and live) into one card per agent.
// It applies each seq once and in order: a repeated seq is ignored, and a gap stops it until
// the missing events arrive (the stream then reconnects with `since` = the last applied seq).

import type { AuditEvent, Job, Result, Summary } from './types';

export type CardStatus = 'waiting' | 'running' | 'done' | 'error' | 'cancelled';

export interface Card {
  agentId: string;
  status: CardStatus;
  /** agent_progress, while running. */
  done?: number;
  total?: number;
  message?: string;
  /** Findings (rows with a description), once done. */
  findings: number;
  /** Why the agent failed. */
  error?: string;
}

export interface StreamState {
  jobId: string;
  /** The last seq applied; the stream resumes with `since` = this. */
  lastSeq: number;
  /** Set when an event came after a gap: the seq that was expected next. */
  gapAt: number | null;
  order: string[];
  cards: Record<string, Card>;
  /** Result rows per agent, as agent_completed carried them. */
  results: Record<string, Result[]>;
  complete: { status: 'completed' | 'failed' | 'cancelled'; summary: Summary } | null;
}

export function initialState(jobId: string, agents: string[] = []): StreamState {
  const s: StreamState = { jobId, lastSeq: 0, gapAt: null, order: [], cards: {}, results: {}, complete: null };
  for (const a of agents) addCard(s, a);
  return s;
}

function addCard(s: StreamState, agentId: string): Card {
  let c = s.cards[agentId];
  if (!c) {
    c = { agentId, status: 'waiting', findings: 0 };
    s.cards[agentId] = c;
    s.order.push(agentId);
  }
  return c;
}

/** Seeds the cards from a job as the REST API returns it (before or without a stream). */
export function fromJob(job: Job): StreamState {
  return initialState(job.id, job.enabled_agents);
}

export type Action = { kind: 'event'; event: AuditEvent } | { kind: 'reset'; state: StreamState };

export function reduce(state: StreamState, action: Action): StreamState {
  if (action.kind === 'reset') return action.state;
  return apply(state, action.event);
}

/** Applies one event; returns the same object when the event changes nothing. */
export function apply(state: StreamState, ev: AuditEvent): StreamState {
  if (ev.job_id !== state.jobId || typeof ev.seq !== 'number') return state;
  if (ev.seq <= state.lastSeq) return state; // a repeat: already applied
  if (ev.seq !== state.lastSeq + 1) {
    // A gap: hold everything after it until the missing events come.
    return state.gapAt === state.lastSeq + 1 ? state : { ...state, gapAt: state.lastSeq + 1 };
  }
  const s: StreamState = {
    ...state,
    lastSeq: ev.seq,
    gapAt: null,
    order: [...state.order],
    cards: { ...state.cards },
    results: { ...state.results },
  };
  const card = (id: string): Card => {
    const c = { ...addCard(s, id) };
    s.cards[id] = c;
    return c;
  };
  switch (ev.type) {
    case 'job_queued':
      for (const a of ev.enabled_agents ?? []) addCard(s, a);
      break;
    case 'agent_started': {
      const c = card(ev.agent_id);
      if (c.status === 'waiting') c.status = 'running';
      break;
    }
    case 'agent_progress': {
      const c = card(ev.agent_id);
      if (c.status === 'waiting') c.status = 'running';
      c.done = ev.done;
      c.total = ev.total;
      c.message = ev.message;
      break;
    }
    case 'agent_completed': {
      const c = card(ev.agent_id);
      const rows = ev.findings ?? [];
      c.status = 'done';
      c.findings = rows.filter((r) => r.error == null && r.description != null && r.description !== '').length;
      c.error = undefined;
      s.results[ev.agent_id] = rows;
      break;
    }
    case 'agent_error': {
      const c = card(ev.agent_id);
      c.status = 'error';
      c.error = ev.error;
      break;
    }
    case 'audit_complete':
      s.complete = { status: ev.status, summary: ev.summary };
      if (ev.status !== 'completed') {
        for (const id of s.order) {
          const c = s.cards[id];
          if (c.status === 'waiting' || c.status === 'running') s.cards[id] = { ...c, status: 'cancelled' };
        }
      }
      break;
  }
  return s;
}

/** Whether every card has reached its end (done, error or cancelled). */
export function allFinished(s: StreamState): boolean {
  return s.order.length > 0 && s.order.every((id) => ['done', 'error', 'cancelled'].includes(s.cards[id].status));
}
