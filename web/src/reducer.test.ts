import { describe, expect, it } from 'vitest';
import { allFinished, apply, initialState, reduce, type StreamState } from './reducer';
import type { AuditEvent, Result } from './types';

const job = '0195f0c8-7d2a-7000-8000-000000000001';
const agents = ['numeric_validation', 'logic_consistency', 'external_signal'];
let n = 0;
const at = (seq: number) => ({ job_id: job, seq, timestamp: `2026-12-07T18:00:0${seq % 10}Z` });

function row(agent: string, severity: 'high' | 'medium' | 'low' | null, description: string | null, error: string | null = null): Result {
  return {
    id: `r${++n}`, job_id: job, agent_id: agent, category: 'numeric', severity, description,
    reasoning: description ? 'Formula: a + b = c' : null, source_refs: description ? ['Table 1'] : null,
    error, raw_data: {}, created_at: '2026-12-07T18:00:00Z',
  };
}

// A whole job's log, as the server replays it with since=0.
const log: AuditEvent[] = [
  { ...at(1), type: 'job_queued', enabled_agents: agents },
  { ...at(2), type: 'agent_started', agent_id: 'external_signal' },
  { ...at(3), type: 'agent_error', agent_id: 'external_signal', error: 'external_signal is not configured' },
  { ...at(4), type: 'agent_started', agent_id: 'numeric_validation' },
  { ...at(5), type: 'agent_started', agent_id: 'logic_consistency' },
  { ...at(6), type: 'agent_progress', agent_id: 'numeric_validation', done: 3, total: 10, message: 'checked table 3 of 10' },
  {
    ...at(7), type: 'agent_completed', agent_id: 'numeric_validation',
    findings: [row('numeric_validation', 'high', 'Total revenue does not add up'), row('numeric_validation', 'low', 'Staff costs off by 1')],
  },
  { ...at(8), type: 'agent_completed', agent_id: 'logic_consistency', findings: [row('logic_consistency', null, null)] },
  { ...at(9), type: 'audit_complete', status: 'completed', summary: { findings: 2, high: 1, medium: 0, low: 1, errors: 1 } },
];

const replay = (events: AuditEvent[], from: StreamState = initialState(job)) => events.reduce(apply, from);

describe('event reducer', () => {
  it('starts with a waiting card per enabled agent', () => {
    const s = initialState(job, agents);
    expect(s.order).toEqual(agents);
    expect(agents.map((a) => s.cards[a].status)).toEqual(['waiting', 'waiting', 'waiting']);
    expect(allFinished(s)).toBe(false);
  });

  it('moves a card through running with progress to done with its findings', () => {
    const s = replay(log.slice(0, 6), initialState(job, agents));
    expect(s.cards.numeric_validation).toMatchObject({ status: 'running', done: 3, total: 10, message: 'checked table 3 of 10' });
    expect(s.cards.logic_consistency.status).toBe('running');
    const done = replay(log.slice(6), s);
    expect(done.cards.numeric_validation).toMatchObject({ status: 'done', findings: 2 });
    // An empty row means "nothing found": zero findings, not one.
    expect(done.cards.logic_consistency).toMatchObject({ status: 'done', findings: 0 });
    expect(done.results.numeric_validation.map((r) => r.description)).toEqual(['Total revenue does not add up', 'Staff costs off by 1']);
  });

  it('shows agent_error as an error card with the reason', () => {
    const s = replay(log.slice(0, 3));
    expect(s.cards.external_signal).toMatchObject({ status: 'error', error: 'external_signal is not configured' });
    expect(s.cards.numeric_validation.status).toBe('waiting');
  });

  it('replays a finished job from seq 1 to the same end state, whatever the starting cards', () => {
    const fromNothing = replay(log);
    const fromJob = replay(log, initialState(job, agents));
    for (const s of [fromNothing, fromJob]) {
      expect(s.lastSeq).toBe(9);
      expect(s.gapAt).toBeNull();
      expect(s.order).toEqual(agents);
      expect(s.complete).toEqual({ status: 'completed', summary: { findings: 2, high: 1, medium: 0, low: 1, errors: 1 } });
      expect(allFinished(s)).toBe(true);
    }
    expect(fromNothing.cards).toEqual(fromJob.cards);
  });

  it('resumes after a reconnect with since: replayed events already applied change nothing', () => {
    const before = replay(log.slice(0, 5));
    // The new connection sends seq > 5 only, but a server may also resend older ones.
    const after = replay([log[3], log[4], ...log.slice(5)], before);
    expect(after).toEqual(replay(log));
  });

  it('ignores a repeated seq, returning the same state', () => {
    const s = replay(log.slice(0, 7));
    expect(apply(s, log[6])).toBe(s);
    expect(apply(s, log[1])).toBe(s);
    // A repeat that claims something else happened still cannot change the applied seq.
    const forged: AuditEvent = { ...at(7), type: 'agent_error', agent_id: 'numeric_validation', error: 'x' };
    expect(apply(s, forged).cards.numeric_validation.status).toBe('done');
  });

  it('stops at a gap and marks where, then continues once the missing events arrive', () => {
    const s = replay(log.slice(0, 4));
    const gap = apply(s, log[6]); // seq 7 after seq 4
    expect(gap.lastSeq).toBe(4);
    expect(gap.gapAt).toBe(5);
    expect(gap.cards.numeric_validation.status).toBe('running');
    expect(gap.results.numeric_validation).toBeUndefined();
    expect(apply(gap, log[7])).toBe(gap); // still held
    const filled = replay(log.slice(4), gap); // the reconnect with since=4 sends 5, 6, 7, …
    expect(filled.gapAt).toBeNull();
    expect(filled).toEqual(replay(log));
  });

  it('ignores events of another job', () => {
    const s = replay(log.slice(0, 2));
    expect(apply(s, { ...log[2], job_id: 'other' })).toBe(s);
  });

  it('marks agents that never finished as cancelled when the audit ends otherwise', () => {
    const s = replay([
      ...log.slice(0, 5),
      { ...at(6), type: 'audit_complete', status: 'cancelled', summary: { findings: 0, high: 0, medium: 0, low: 0, errors: 1 } },
    ]);
    expect(s.cards.numeric_validation.status).toBe('cancelled');
    expect(s.cards.external_signal.status).toBe('error');
    expect(allFinished(s)).toBe(true);
  });

  it('reset replaces the state', () => {
    const fresh = initialState(job, agents);
    expect(reduce(replay(log), { kind: 'reset', state: fresh })).toBe(fresh);
    expect(reduce(fresh, { kind: 'event', event: log[0] }).lastSeq).toBe(1);
  });
});
