// End-to-end test of the web client in Debian's headless Chromium against the real server
// built from this tree: upload, live cards, findings against the API, severity filter, CSV
// export, a 415 shown as the server's sentence, a server killed (SIGKILL) and restarted in
// the middle of a job, and rename, cancel and delete from the jobs list. It saves a screenshot
// of the page after an audit.
//
//   node e2e/e2e.mjs                      (from web/; builds ../ with `go build`)
//   VERITAS_BIN=/path/to/veritas E2E_SCREENSHOT=../docs/screenshot.png node e2e/e2e.mjs
//
// Every wait is for a condition, with a deadline. The last line is "e2e: N passed, N failed".

import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'veritas-e2e-'));
const statement = path.join(root, 'testdata/statements/nordhafen-planted.docx');
const screenshot = path.resolve(process.env.E2E_SCREENSHOT || path.join(tmp, 'screenshot.png'));
const agentDelay = '3s'; // long enough to kill the server while agents run
const timeout = 30_000;

let passed = 0;
let failed = 0;
const servers = new Set();

async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
    throw e;
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts the server and resolves once it logs "listening". */
function startServer(bin, port, db) {
  const env = { ...process.env, VERITAS_LOG_LEVEL: 'info' };
  for (const k of ['VERITAS_GEMINI_API_KEY', 'VERITAS_API_KEYS', 'VERITAS_ADDR', 'VERITAS_DATABASE_URL', 'VERITAS_REDIS_URL'])
    delete env[k];
  const proc = spawn(
    bin,
    ['--addr', `127.0.0.1:${port}`, '--database-url', `sqlite://${db}`, '--agent-delay', agentDelay, '--job-lease', '2s'],
    { env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  servers.add(proc);
  proc.on('exit', () => servers.delete(proc));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not listen within 30 s')), timeout);
    proc.once('exit', (code) => reject(new Error(`the server exited with ${code} before listening`)));
    readline.createInterface({ input: proc.stdout }).on('line', (line) => {
      try {
        if (JSON.parse(line).msg === 'listening') {
          clearTimeout(timer);
          resolve(proc);
        }
      } catch {
        // not a log line
      }
    });
  });
}

function killServer(proc) {
  return new Promise((resolve) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
    proc.once('exit', () => resolve());
    proc.kill('SIGKILL');
  });
}

async function apiJSON(base, p, init) {
  const resp = await fetch(base + p, init);
  const body = await resp.json();
  return { status: resp.status, body };
}

const isFinding = (r) => r.error == null && r.description != null && r.description !== '';

/** What the page shows of its findings, and of its cards. */
async function shown(page) {
  return page.evaluate(() => ({
    findings: [...document.querySelectorAll('article.finding')].map((a) => ({
      id: a.getAttribute('data-finding-id'),
      agent: a.closest('section.group')?.getAttribute('data-agent'),
      severity: a.querySelector('.sev')?.textContent,
      description: a.querySelector('.finding-title')?.textContent,
    })),
    cards: Object.fromEntries(
      [...document.querySelectorAll('li.card')].map((c) => [
        c.getAttribute('data-agent'),
        { status: c.getAttribute('data-status'), text: c.querySelector('.card-status')?.textContent },
      ]),
    ),
  }));
}

/** Waits until every agent card has finished, then checks the page against the API. */
async function checkAgainstAPI(page, base, jobId) {
  await page.waitForFunction(
    () => {
      const cards = [...document.querySelectorAll('li.card')];
      return cards.length > 0 && cards.every((c) => ['done', 'error', 'cancelled'].includes(c.getAttribute('data-status')));
    },
    null,
    { timeout },
  );
  await page.getByRole('status').filter({ hasText: /Audit completed/ }).waitFor({ timeout });
  const { body: job } = await apiJSON(base, `/api/v1/jobs/${jobId}`);
  assert(job.status === 'completed', `job status ${job.status}`);
  const { body: rows } = await apiJSON(base, `/api/v1/jobs/${jobId}/results`);
  const want = rows.filter(isFinding).map((r) => ({ id: r.id, agent: r.agent_id, severity: r.severity, description: r.description }));
  const got = (await shown(page)).findings;
  const key = (f) => `${f.agent}|${f.id}|${f.severity}|${f.description}`;
  const ws = want.map(key).sort();
  const gs = got.map(key).sort();
  assert(want.length > 0, 'the API returned no findings for the planted statement');
  assert(JSON.stringify(ws) === JSON.stringify(gs), `page shows ${gs.length} findings, API has ${ws.length}:\n${gs.join('\n')}\n---\n${ws.join('\n')}`);
  assert(new Set(got.map((f) => f.id)).size === got.length, 'a finding is shown twice');
  const { cards } = await shown(page);
  for (const agent of job.enabled_agents) {
    const c = cards[agent];
    assert(c, `no card for ${agent}`);
    const n = rows.filter((r) => r.agent_id === agent && isFinding(r)).length;
    const failedRow = rows.find((r) => r.agent_id === agent && r.error != null);
    if (failedRow) assert(c.status === 'error', `${agent}: card ${c.status}, API has its error row`);
    else assert(c.status === 'done' && c.text === `Done · ${n} findings`, `${agent}: card "${c.text}", API has ${n} findings`);
  }
  // The jobs list follows: the job's row says completed, with its count.
  await page
    .locator(`li.job[data-job-id="${jobId}"] .job-meta`)
    .filter({ hasText: `completed` })
    .filter({ hasText: `${job.summary.findings} findings` })
    .waitFor();
  const { body: events } = await apiJSON(base, `/api/v1/jobs/${jobId}/events?after=0&limit=1000`);
  events.forEach((e, i) => assert(e.seq === i + 1, `event log position ${i} holds seq ${e.seq}`));
  return { job, rows };
}

/** RFC 4180 CSV with quoted fields. */
function parseCSV(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  if (cell !== '' || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

async function main() {
  let bin = process.env.VERITAS_BIN;
  if (!bin) {
    bin = path.join(tmp, 'veritas');
    const t0 = Date.now();
    execFileSync('go', ['build', '-o', bin, '.'], { cwd: root, stdio: 'inherit', env: { ...process.env, GOFLAGS: '-buildvcs=false' } });
    console.log(`built the server in ${Date.now() - t0} ms`);
  }
  const port = await freePort();
  const db = path.join(tmp, 'veritas.db');
  const base = `http://127.0.0.1:${port}`;
  let server = await startServer(bin, port, db);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) pageErrors.push(m.text());
  });

  try {
    let jobA;
    await step('the page loads from the binary and lists the agents', async () => {
      await page.goto(base + '/');
      await page.getByRole('heading', { name: 'New audit' }).waitFor();
      await page.getByLabel('Numeric validation', { exact: false }).first().waitFor();
      const boxes = await page.locator('fieldset input[type=checkbox]').count();
      const { body: agents } = await apiJSON(base, '/api/v1/agents');
      assert(boxes === agents.length, `${boxes} agent boxes, API lists ${agents.length}`);
    });

    await step('a file the server cannot read shows its sentence (415)', async () => {
      const buffer = fs.readFileSync(path.join(root, 'testdata/tiny.pdf'));
      const form = new FormData();
      form.append('file', new Blob([buffer]), 'notes.pdf');
      const resp = await fetch(base + '/api/v1/documents/upload', { method: 'POST', body: form });
      const problem = await resp.json();
      assert(resp.status === 415 && problem.detail, `API answered ${resp.status}`);
      await page.locator('input[type=file]').setInputFiles({ name: 'notes.pdf', mimeType: 'application/pdf', buffer });
      await page.getByRole('button', { name: 'Start audit' }).click();
      await page.getByRole('alert').filter({ hasText: problem.detail }).waitFor();
      await page.getByRole('button', { name: 'Dismiss' }).click();
    });

    await step('an upload with no agent chosen shows its sentence (422)', async () => {
      await page.locator('input[type=file]').setInputFiles(statement);
      for (const box of await page.locator('fieldset input[type=checkbox]').all()) await box.uncheck();
      await page.getByRole('button', { name: 'Start audit' }).click();
      await page.getByRole('alert').filter({ hasText: 'At least one agent must be enabled' }).waitFor();
      const { body: jobs } = await apiJSON(base, '/api/v1/jobs');
      assert(jobs.length === 0, `${jobs.length} jobs exist after refused uploads`);
    });

    await step('drop a statement, name it, every card finishes, findings match the API', async () => {
      const drop = await page.evaluateHandle(
        ({ name, b64 }) => {
          const dt = new DataTransfer();
          const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          dt.items.add(new File([bytes], name, { type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document' }));
          return dt;
        },
        { name: path.basename(statement), b64: fs.readFileSync(statement).toString('base64') },
      );
      await page.dispatchEvent('label.drop', 'dragover', { dataTransfer: drop });
      await page.dispatchEvent('label.drop', 'drop', { dataTransfer: drop });
      await page.locator('label.drop.chosen').filter({ hasText: path.basename(statement) }).waitFor();
      await page.getByLabel('Audit name').fill('Nordhafen FY2024');
      // Every agent is asked for, the unavailable one too: its card must show its error.
      for (const box of await page.locator('fieldset input[type=checkbox]').all()) await box.check();
      await page.getByRole('button', { name: 'Start audit' }).click();
      await page.waitForURL(/\/jobs\/[0-9a-f-]{36}$/);
      const jobId = page.url().split('/').pop();
      await page.getByRole('heading', { name: 'Nordhafen FY2024' }).waitFor();
      // The cards move through running (the agent delay holds them there) before they finish.
      await page.locator('li.card[data-status=running]').first().waitFor();
      const { job, rows } = await checkAgainstAPI(page, base, jobId);
      assert(job.name === 'Nordhafen FY2024', `job name ${job.name}`);
      assert((await page.locator('li.card[data-status=error] .card-error').first().textContent()).includes('not configured'), 'the error card does not say why');
      jobA = { id: jobId, rows };
    });

    await step('the severity filter hides and shows findings', async () => {
      const all = await page.locator('article.finding').count();
      const high = await page.locator('article.finding.sev-high').count();
      assert(high > 0, 'no high findings to filter');
      await page.getByRole('button', { name: /^high/ }).click();
      await page.waitForFunction((n) => document.querySelectorAll('article.finding').length === n, all - high);
      assert((await page.locator('article.finding.sev-high').count()) === 0, 'high findings still shown');
      await page.getByRole('button', { name: /^high/ }).press('Enter'); // from the keyboard too
      await page.waitForFunction((n) => document.querySelectorAll('article.finding').length === n, all);
    });

    await step('export CSV and JSON: one row per finding or error row of the API; the workbook and the annotated document', async () => {
      const want = jobA.rows.filter((r) => r.error != null || isFinding(r));
      const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
      assert(csv.suggestedFilename() === 'nordhafen-fy2024-findings.csv', `CSV named ${csv.suggestedFilename()}`);
      const table = parseCSV(fs.readFileSync(await csv.path(), 'utf8'));
      const [head, ...body] = table;
      assert(head.join(',') === 'agent_id,category,severity,description,reasoning,source_refs,error', `CSV header ${head}`);
      assert(body.length === want.length, `CSV has ${body.length} rows, API ${want.length}`);
      body.forEach((row, i) => {
        const r = want[i];
        const exp = [r.agent_id, r.category, r.severity ?? '', r.description ?? '', r.reasoning ?? '', (r.source_refs ?? []).join('; '), r.error ?? ''];
        assert(JSON.stringify(row) === JSON.stringify(exp), `CSV row ${i + 1}: ${JSON.stringify(row)}\nwant ${JSON.stringify(exp)}`);
      });
      const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export JSON' }).click()]);
      const exported = JSON.parse(fs.readFileSync(await json.path(), 'utf8'));
      assert(JSON.stringify(exported.map((r) => r.id)) === JSON.stringify(want.map((r) => r.id)), 'JSON rows differ from the API');
      // The server's files: a workbook and the document with its comments, both zip packages.
      for (const [button, name, part] of [
        ['Export Excel', 'nordhafen-fy2024-findings.xlsx', 'xl/workbook.xml'],
        ['Word with comments', 'nordhafen-fy2024-findings-annotated.docx', 'word/comments.xml'],
      ]) {
        const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: button }).click()]);
        assert(file.suggestedFilename() === name, `${button}: named ${file.suggestedFilename()}`);
        const bytes = fs.readFileSync(await file.path());
        assert(bytes.subarray(0, 2).toString() === 'PK', `${button}: not a zip package`);
        assert(bytes.includes(Buffer.from(part)), `${button}: no ${part}`);
      }
    });

    await step('the server is killed mid-job and restarted: the page reconnects and misses nothing', async () => {
      await page.locator('input[type=file]').setInputFiles(statement);
      await page.getByLabel('Audit name').fill('Nordhafen restart drill');
      await page.getByRole('button', { name: 'Start audit' }).click();
      await page.getByRole('heading', { name: 'Nordhafen restart drill' }).waitFor();
      const jobId = page.url().split('/').pop();
      assert(jobId !== jobA.id, 'no new job');
      await page.locator('li.card[data-status=running]').first().waitFor();
      await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
      const { body: before } = await apiJSON(base, `/api/v1/jobs/${jobId}`);
      assert(before.status === 'processing', `job ${before.status} before the kill; the agent delay did not hold it`);
      await killServer(server);
      await page.getByRole('status').filter({ hasText: 'Reconnecting' }).waitFor();
      assert((await page.locator('li.card').count()) > 0, 'the cards went away while reconnecting');
      server = await startServer(bin, port, db);
      await checkAgainstAPI(page, base, jobId);
      // A "cannot be reached" shown meanwhile goes once the server answers again.
      await page.waitForFunction(() => document.querySelectorAll('[role=alert]').length === 0);
      assert(pageErrors.length === 0, `page errors: ${pageErrors.join('; ')}`);
    });

    await step('a reload of the job address replays it from the log', async () => {
      const jobId = page.url().split('/').pop();
      const before = (await shown(page)).findings.length;
      await page.reload();
      await checkAgainstAPI(page, base, jobId);
      assert((await shown(page)).findings.length === before, 'the replayed page differs');
    });

    await step('rename, cancel and delete from the jobs list', async () => {
      const rowA = page.locator(`li.job[data-job-id="${jobA.id}"]`);
      await rowA.locator('.job-open').click();
      await page.getByRole('heading', { name: 'Nordhafen FY2024', exact: true }).waitFor();
      await rowA.getByRole('button', { name: 'Rename', exact: true }).click();
      const field = page.getByLabel('New name for Nordhafen FY2024');
      await field.fill('Nordhafen FY2024 (reviewed)');
      await field.press('Enter');
      await page.locator(`li.job[data-job-id="${jobA.id}"] .job-name`).filter({ hasText: 'Nordhafen FY2024 (reviewed)' }).waitFor();
      assert((await apiJSON(base, `/api/v1/jobs/${jobA.id}`)).body.name === 'Nordhafen FY2024 (reviewed)', 'rename did not reach the server');
      await page.getByRole('heading', { name: 'Nordhafen FY2024 (reviewed)' }).waitFor(); // the open audit too

      await page.locator('input[type=file]').setInputFiles(statement);
      await page.getByLabel('Audit name').fill('To be cancelled');
      await page.getByRole('button', { name: 'Start audit' }).click();
      await page.getByRole('heading', { name: 'To be cancelled' }).waitFor();
      const cancelId = page.url().split('/').pop();
      await page.locator(`li.job[data-job-id="${cancelId}"]`).getByRole('button', { name: 'Cancel', exact: true }).click();
      await page.getByRole('status').filter({ hasText: 'Audit cancelled' }).waitFor();
      assert((await apiJSON(base, `/api/v1/jobs/${cancelId}`)).body.status === 'cancelled', 'the job is not cancelled');

      const row = page.locator(`li.job[data-job-id="${cancelId}"]`);
      await row.getByRole('button', { name: 'Delete', exact: true }).click();
      await row.getByRole('button', { name: 'Confirm delete' }).click();
      await row.waitFor({ state: 'detached' });
      assert((await apiJSON(base, `/api/v1/jobs/${cancelId}`)).status === 404, 'the deleted job is still there');
      await page.getByRole('heading', { name: 'Audit a financial statement' }).waitFor();
    });

    await step('screenshot of a finished audit', async () => {
      await page.locator(`li.job[data-job-id="${jobA.id}"] .job-open`).click();
      await checkAgainstAPI(page, base, jobA.id);
      fs.mkdirSync(path.dirname(screenshot), { recursive: true });
      await page.screenshot({ path: screenshot });
      console.log(`screenshot: ${screenshot}`);
    });

    await step('the jobs list pages, newest first', async () => {
      const acme = fs.readFileSync(path.join(root, 'testdata/acme-fy2024.docx'));
      for (let i = 1; i <= 10; i++) {
        const form = new FormData();
        form.append('file', new Blob([acme]), 'acme-fy2024.docx');
        form.append('name', `Acme batch ${i}`);
        form.append('enabled_agents', '["numeric_validation"]');
        const resp = await fetch(base + '/api/v1/documents/upload', { method: 'POST', body: form });
        assert(resp.status === 202, `upload ${i}: ${resp.status}`);
      }
      const { body: all } = await apiJSON(base, '/api/v1/jobs?limit=200');
      assert(all.length === 12, `${all.length} jobs`);
      await page.reload();
      const ids = () => page.locator('li.job').evaluateAll((els) => els.map((e) => e.getAttribute('data-job-id')));
      await page.waitForFunction((id) => document.querySelector('li.job')?.getAttribute('data-job-id') === id, all[0].id);
      assert(JSON.stringify(await ids()) === JSON.stringify(all.slice(0, 10).map((j) => j.id)), 'page 1 differs from the API');
      await page.getByRole('button', { name: 'Older →' }).click();
      await page.waitForFunction((id) => document.querySelector('li.job')?.getAttribute('data-job-id') === id, all[10].id);
      assert(JSON.stringify(await ids()) === JSON.stringify(all.slice(10).map((j) => j.id)), 'page 2 differs from the API');
      assert(await page.getByRole('button', { name: 'Older →' }).isDisabled(), 'a third page is offered');
      await page.getByRole('button', { name: '← Newer' }).click();
      await page.waitForFunction((id) => document.querySelector('li.job')?.getAttribute('data-job-id') === id, all[0].id);
    });

    assert(pageErrors.length === 0, `page errors: ${pageErrors.join('; ')}`);
  } catch {
    await page.screenshot({ path: path.join(tmp, 'failure.png') }).catch(() => {});
    console.log(`failure screenshot: ${path.join(tmp, 'failure.png')}`);
  } finally {
    await browser.close();
    for (const s of servers) await killServer(s);
  }
  if (failed === 0 && !screenshot.startsWith(tmp + path.sep)) fs.rmSync(tmp, { recursive: true, force: true });
  console.log(`e2e: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  for (const s of servers) s.kill('SIGKILL');
  console.log(`e2e: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
