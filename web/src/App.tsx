import { Component, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import * as api from './api';
import { download, fileStem, toCSV, toJSON } from './csv';
import type { Card } from './reducer';
import { JobStream, type StreamSnapshot } from './stream';
import { isFinding, type Agent, type Job, type Result, type Severity } from './types';

const pageSize = 10;
const severities: Severity[] = ['high', 'medium', 'low'];

function message(e: unknown): string {
  if (e instanceof Error && e.message) return e.message;
  return 'Something went wrong in the page. Reload it to try again.';
}

/** The job id in the address (/jobs/<id>), if any. */
function jobFromPath(): string | null {
  const m = /^\/jobs\/([0-9a-fA-F-]{36})\/?$/.exec(location.pathname);
  return m ? m[1] : null;
}

export function App() {
  const [agents, setAgents] = useState<Agent[]>([]);
  const [selected, setSelected] = useState<string | null>(jobFromPath);
  const [error, setError] = useState<string | null>(null);
  const [listVersion, setListVersion] = useState(0);
  const refreshList = useCallback(() => setListVersion((v) => v + 1), []);

  useEffect(() => {
    api.onReachable(() => setError((e) => (e === api.unreachable ? null : e)));
    api.listAgents().then(setAgents, (e) => setError(message(e)));
    return () => api.onReachable(null);
  }, []);

  useEffect(() => {
    const onPop = () => setSelected(jobFromPath());
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);

  const select = useCallback((id: string | null) => {
    const path = id ? `/jobs/${id}` : '/';
    if (location.pathname !== path) history.pushState(null, '', path);
    setSelected(id);
  }, []);

  return (
    <div className="app">
      <header className="top">
        <h1>
          <a
            href="/"
            onClick={(e) => {
              e.preventDefault();
              select(null);
            }}
          >
            Veritas
          </a>
          <span className="tagline">financial statement audit</span>
        </h1>
        <KeyField />
      </header>
      {error && (
        <div className="banner error" role="alert">
          <p>{error}</p>
          <button type="button" className="quiet" onClick={() => setError(null)}>
            Dismiss
          </button>
        </div>
      )}
      <div className="layout">
        <aside className="side">
          <UploadForm
            agents={agents}
            onUploaded={(job) => {
              setError(null);
              refreshList();
              select(job.id);
            }}
            onError={setError}
          />
          <JobsList
            selected={selected}
            version={listVersion}
            onSelect={select}
            onError={setError}
            onChanged={refreshList}
            onDeleted={(id) => {
              if (id === selected) select(null);
            }}
          />
        </aside>
        <main className="main" id="main">
          {selected ? (
            <JobView
              key={selected}
              id={selected}
              version={listVersion}
              agents={agents}
              onError={setError}
              onChanged={refreshList}
            />
          ) : (
            <section className="empty">
              <h2>Audit a financial statement</h2>
              <p>
                Upload a Word document (.docx), or a statement typed as Markdown or plain text (.md, .txt), on the left. Each agent checks it in its own way: the numbers add up,
                the narrative agrees with them, the required disclosures are there. Their findings appear here as they
                work.
              </p>
            </section>
          )}
        </main>
      </div>
    </div>
  );
}

/** The API key field, for servers that run with keys; open servers need none. */
function KeyField() {
  const [open, setOpen] = useState(false);
  const [key, setKey] = useState(api.apiKey());
  return (
    <details className="key" open={open} onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>{api.apiKey() ? 'API key set' : 'API key'}</summary>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          api.setApiKey(key.trim());
          location.reload();
        }}
      >
        <label htmlFor="api-key">Key for this tab (only when the server asks for one)</label>
        <input id="api-key" type="password" autoComplete="off" value={key} onChange={(e) => setKey(e.target.value)} />
        <button type="submit">Save</button>
      </form>
    </details>
  );
}

function UploadForm(props: { agents: Agent[]; onUploaded: (job: Job) => void; onError: (e: string | null) => void }) {
  const { agents, onUploaded, onError } = props;
  const [file, setFile] = useState<File | null>(null);
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<Record<string, boolean>>({});
  const [dragging, setDragging] = useState(false);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);

  useEffect(() => {
    setChosen((c) => {
      const next = { ...c };
      for (const a of agents) if (!(a.id in next)) next[a.id] = a.available;
      return next;
    });
  }, [agents]);

  const pick = (f: File | undefined) => {
    if (!f) return;
    setFile(f);
    onError(null);
  };

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    if (!file) {
      onError('Choose a .docx, .md or .txt file to audit first.');
      return;
    }
    setBusy(true);
    try {
      const job = await api.uploadDocument(
        file,
        name,
        agents.filter((a) => chosen[a.id]).map((a) => a.id),
      );
      setFile(null);
      setName('');
      if (input.current) input.current.value = '';
      onUploaded(job);
    } catch (err) {
      onError(message(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="panel upload" onSubmit={submit} aria-labelledby="upload-title">
      <h2 id="upload-title">New audit</h2>
      <label
        className={'drop' + (dragging ? ' dragging' : '') + (file ? ' chosen' : '')}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          pick(e.dataTransfer.files[0]);
        }}
      >
        <input
          ref={input}
          type="file"
          name="file"
          accept=".docx,.md,.markdown,.txt,application/vnd.openxmlformats-officedocument.wordprocessingml.document,text/markdown,text/plain"
          onChange={(e) => pick(e.target.files?.[0])}
        />
        <span className="drop-text">
          {file ? (
            <>
              <strong>{file.name}</strong> · {formatSize(file.size)}
            </>
          ) : (
            <>
              <strong>Drop a .docx, .md or .txt here</strong> or choose a file
            </>
          )}
        </span>
      </label>
      <label htmlFor="audit-name">Audit name</label>
      <input
        id="audit-name"
        value={name}
        maxLength={200}
        placeholder="e.g. Nordhafen FY2024"
        onChange={(e) => setName(e.target.value)}
      />
      <fieldset>
        <legend>Agents</legend>
        {agents.map((a) => (
          <div className="check" key={a.id}>
            <input
              type="checkbox"
              id={`agent-${a.id}`}
              checked={!!chosen[a.id]}
              onChange={(e) => setChosen({ ...chosen, [a.id]: e.target.checked })}
            />
            <label htmlFor={`agent-${a.id}`}>
              {a.name}
              {!a.available && <span className="muted"> — {a.reason || 'not available on this server'}</span>}
            </label>
          </div>
        ))}
      </fieldset>
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Uploading…' : 'Start audit'}
      </button>
    </form>
  );
}

function formatSize(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

function formatTime(iso: string): string {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

const running = (j: Job) => j.status === 'queued' || j.status === 'processing';

function JobsList(props: {
  selected: string | null;
  version: number;
  onSelect: (id: string) => void;
  onError: (e: string | null) => void;
  onChanged: () => void;
  onDeleted: (id: string) => void;
}) {
  const { selected, version, onSelect, onError, onChanged, onDeleted } = props;
  // cursors[i] is the `before` of page i; page 0 is the newest.
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<api.JobPage | null>(null);
  const [tick, setTick] = useState(0);
  const before = cursors[cursors.length - 1];

  useEffect(() => {
    let live = true;
    api.listJobs(pageSize, before).then(
      (p) => live && setPage(p),
      (e) => live && onError(message(e)),
    );
    return () => {
      live = false;
    };
  }, [before, version, tick, onError]);

  // While a listed job is still running, its status is refreshed every few seconds.
  const anyRunning = page?.jobs.some(running) ?? false;
  useEffect(() => {
    if (!anyRunning) return;
    const t = setInterval(() => setTick((n) => n + 1), 3000);
    return () => clearInterval(t);
  }, [anyRunning]);

  const act = async (f: () => Promise<unknown>) => {
    try {
      await f();
      onError(null);
    } catch (e) {
      onError(message(e));
    }
    onChanged(); // the list, and the open audit, show the change
  };

  return (
    <section className="panel jobs" aria-labelledby="jobs-title">
      <h2 id="jobs-title">Audits</h2>
      {page && page.jobs.length === 0 && <p className="muted">No audits yet.</p>}
      <ul>
        {page?.jobs.map((j) => (
          <JobRow
            key={j.id}
            job={j}
            selected={j.id === selected}
            onSelect={() => onSelect(j.id)}
            onRename={(n) => act(() => api.renameJob(j.id, n))}
            onCancel={() => act(() => api.cancelJob(j.id))}
            onDelete={() =>
              act(async () => {
                await api.deleteJob(j.id);
                onDeleted(j.id);
              })
            }
          />
        ))}
      </ul>
      <nav className="pager" aria-label="Audit pages">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Newer
        </button>
        <span className="muted">Page {cursors.length}</span>
        <button
          type="button"
          disabled={!page?.hasMore}
          onClick={() => page && setCursors([...cursors, page.jobs[page.jobs.length - 1].id])}
        >
          Older →
        </button>
      </nav>
    </section>
  );
}

function JobRow(props: {
  job: Job;
  selected: boolean;
  onSelect: () => void;
  onRename: (name: string) => void;
  onCancel: () => void;
  onDelete: () => void;
}) {
  const { job, selected, onSelect, onRename, onCancel, onDelete } = props;
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(job.name);
  const [confirming, setConfirming] = useState(false);

  if (editing) {
    return (
      <li className="job editing">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setEditing(false);
            onRename(name);
          }}
        >
          <label htmlFor={`rename-${job.id}`} className="sr-only">
            New name for {job.name}
          </label>
          <input id={`rename-${job.id}`} value={name} maxLength={200} autoFocus onChange={(e) => setName(e.target.value)} />
          <div className="row-actions">
            <button type="submit">Save</button>
            <button type="button" className="quiet" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      </li>
    );
  }
  return (
    <li className={'job' + (selected ? ' selected' : '')} data-job-id={job.id}>
      <button type="button" className="job-open" aria-current={selected ? 'true' : undefined} onClick={onSelect}>
        <span className="job-name">{job.name}</span>
        <span className="job-meta">
          <StatusBadge status={job.status} /> {formatTime(job.created_at)}
          {job.status === 'completed' && <> · {job.summary.findings} findings</>}
        </span>
      </button>
      <div className="row-actions">
        <button
          type="button"
          className="quiet"
          onClick={() => {
            setName(job.name);
            setEditing(true);
          }}
        >
          Rename
        </button>
        {running(job) && (
          <button type="button" className="quiet" onClick={onCancel}>
            Cancel
          </button>
        )}
        {confirming ? (
          <>
            <button type="button" className="danger" onClick={onDelete}>
              Confirm delete
            </button>
            <button type="button" className="quiet" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="quiet" onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </div>
    </li>
  );
}

function StatusBadge({ status }: { status: string }) {
  return <span className={`status status-${status}`}>{status}</span>;
}

function useJobStream(job: Job | null): StreamSnapshot | null {
  const [snap, setSnap] = useState<StreamSnapshot | null>(null);
  const id = job?.id;
  const agents = job?.enabled_agents.join(',');
  useEffect(() => {
    if (!id) return;
    const s = new JobStream(id, agents ? agents.split(',') : [], setSnap);
    setSnap(s.snapshot());
    s.start();
    return () => s.stop();
  }, [id, agents]);
  return snap;
}

function JobView(props: {
  id: string;
  version: number;
  agents: Agent[];
  onError: (e: string | null) => void;
  onChanged: () => void;
}) {
  const { id, version, agents, onError, onChanged } = props;
  const [job, setJob] = useState<Job | null>(null);
  const [missing, setMissing] = useState<string | null>(null);
  const [shown, setShown] = useState<Record<Severity, boolean>>({ high: true, medium: true, low: true });
  const snap = useJobStream(job);
  const complete = snap?.state.complete;

  useEffect(() => {
    let live = true;
    api.getJob(id).then(
      (j) => live && setJob(j),
      (e) => {
        if (!live) return;
        if (e instanceof api.ApiError && e.status === 404) setMissing(e.message);
        else onError(message(e));
      },
    );
    return () => {
      live = false;
    };
  }, [id, version, onError, complete]);

  useEffect(() => {
    if (complete) onChanged();
  }, [complete, onChanged]);

  const names = useMemo(() => Object.fromEntries(agents.map((a) => [a.id, a.name])), [agents]);

  if (missing) {
    return (
      <section className="empty" role="alert">
        <h2>Audit not found</h2>
        <p>{missing}</p>
      </section>
    );
  }
  if (!job || !snap) return <p className="muted">Loading the audit…</p>;

  const { state, connection } = snap;
  const counts = { high: 0, medium: 0, low: 0 };
  for (const rows of Object.values(state.results))
    for (const r of rows) if (isFinding(r) && r.severity) counts[r.severity]++;
  const status = state.complete?.status ?? job.status;

  const exportAs = async (kind: 'csv' | 'json' | 'xlsx' | 'docx') => {
    try {
      if (kind === 'xlsx') {
        download(fileStem(job.name) + '.xlsx', '', await api.exportFile(job.id, 'results.xlsx'));
        return;
      }
      if (kind === 'docx') {
        download(fileStem(job.name) + '-annotated.docx', '', await api.exportFile(job.id, 'annotated.docx'));
        return;
      }
      const rows = await api.getResults(job.id);
      if (kind === 'csv') download(fileStem(job.name) + '.csv', 'text/csv;charset=utf-8', toCSV(rows));
      else download(fileStem(job.name) + '.json', 'application/json', toJSON(rows));
    } catch (e) {
      onError(message(e));
    }
  };
  const isDocx = /\.docx$/i.test(job.documents?.[0]?.filename ?? '');

  return (
    <article className="job-view" aria-labelledby="job-title">
      <header className="job-head">
        <div>
          <h2 id="job-title">{job.name}</h2>
          <p className="muted">
            {job.documents?.[0]?.filename ?? 'document'} · uploaded {formatTime(job.created_at)} ·{' '}
            <StatusBadge status={status} />
          </p>
        </div>
        <div className="exports">
          <button type="button" onClick={() => exportAs('csv')} disabled={!state.complete}>
            Export CSV
          </button>
          <button type="button" onClick={() => exportAs('json')} disabled={!state.complete}>
            Export JSON
          </button>
          <button type="button" onClick={() => exportAs('xlsx')} disabled={!state.complete}>
            Export Excel
          </button>
          {isDocx && (
            <button
              type="button"
              onClick={() => exportAs('docx')}
              disabled={!state.complete}
              title="The uploaded document with a Word comment on each finding"
            >
              Word with comments
            </button>
          )}
        </div>
      </header>
      <p className={'connection connection-' + connection} role="status" aria-live="polite">
        {connection === 'reconnecting'
          ? 'Reconnecting to the server…'
          : connection === 'connecting'
            ? 'Connecting…'
            : connection === 'live'
              ? 'Live'
              : state.complete
                ? `Audit ${state.complete.status}: ${state.complete.summary.findings} findings`
                : ''}
      </p>
      {snap.error && (
        <p className="banner error" role="alert">
          {snap.error}
        </p>
      )}
      <ul className="cards" aria-label="Agents">
        {state.order.map((a) => (
          <AgentCard key={a} card={state.cards[a]} name={names[a] ?? a} />
        ))}
      </ul>
      <section className="findings" aria-labelledby="findings-title">
        <div className="findings-head">
          <h3 id="findings-title">Findings</h3>
          <div className="filters" role="group" aria-label="Show severities">
            {severities.map((s) => (
              <button
                key={s}
                type="button"
                className={`filter sev-${s}`}
                aria-pressed={shown[s]}
                onClick={() => setShown({ ...shown, [s]: !shown[s] })}
              >
                {s} <span className="count">{counts[s]}</span>
              </button>
            ))}
          </div>
        </div>
        {state.order.map((a) => {
          const rows = (state.results[a] ?? []).filter(isFinding);
          if (state.cards[a].status !== 'done') return null;
          const visible = rows
            .filter((r) => shown[r.severity ?? 'low'])
            .sort((x, y) => severities.indexOf(x.severity ?? 'low') - severities.indexOf(y.severity ?? 'low'));
          return (
            <section key={a} className="group" data-agent={a} aria-label={`Findings of ${names[a] ?? a}`}>
              <h4>
                {names[a] ?? a} <span className="muted">· {rows.length} findings</span>
              </h4>
              {rows.length === 0 && <p className="muted">Nothing found.</p>}
              {rows.length > 0 && visible.length === 0 && <p className="muted">None at the chosen severities.</p>}
              {visible.map((r) => (
                <FindingItem key={r.id} r={r} />
              ))}
            </section>
          );
        })}
      </section>
    </article>
  );
}

function AgentCard({ card, name }: { card: Card; name: string }) {
  const label =
    card.status === 'waiting'
      ? 'Waiting'
      : card.status === 'running'
        ? 'Running'
        : card.status === 'done'
          ? `Done · ${card.findings} findings`
          : card.status === 'error'
            ? 'Error'
            : 'Cancelled';
  return (
    <li className={`card card-${card.status}`} data-agent={card.agentId} data-status={card.status}>
      <h4>{name}</h4>
      <p className="card-status" aria-live="polite">
        {label}
      </p>
      {card.status === 'running' && (
        <>
          <progress
            max={card.total || 1}
            value={card.total ? card.done : undefined}
            aria-label={`${name} progress`}
          />
          {card.message && <p className="card-message">{card.message}</p>}
        </>
      )}
      {card.status === 'error' && <p className="card-error">{card.error}</p>}
    </li>
  );
}

function FindingItem({ r }: { r: Result }) {
  return (
    <article className={`finding sev-${r.severity}`} data-finding-id={r.id}>
      <header>
        <span className={`sev sev-${r.severity}`}>{r.severity}</span>
        <h5 className="finding-title">{r.description}</h5>
      </header>
      {r.reasoning && <p className="reasoning">{r.reasoning}</p>}
      {r.source_refs && r.source_refs.length > 0 && (
        <ul className="refs" aria-label="Source references">
          {r.source_refs.map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ul>
      )}
    </article>
  );
}

/** Shows a render failure as a sentence instead of a blank page. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: string | null }> {
  state = { error: null as string | null };
  static getDerivedStateFromError(e: unknown) {
    return { error: message(e) };
  }
  render() {
    if (this.state.error)
      return (
        <div className="banner error" role="alert">
          <p>The page ran into a problem: {this.state.error}</p>
          <button type="button" onClick={() => location.reload()}>
            Reload
          </button>
        </div>
      );
    return this.props.children;
  }
}
