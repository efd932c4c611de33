package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/veritas-audit/veritas/extract/docxgen"
	"github.com/veritas-audit/veritas/schemas"
)

// TestMain lets the test binary act as the server process for the crash tests: with
// VERITAS_TEST_SERVE set it runs the service with the arguments in VERITAS_TEST_ARGS.
func TestMain(m *testing.M) {
	if os.Getenv("VERITAS_TEST_SERVE") == "1" {
		ctx, stop := signalContext()
		defer stop()
		if err := run(ctx, strings.Fields(os.Getenv("VERITAS_TEST_ARGS")), func(string) string { return "" }, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// server is the service running in a child process.
type server struct {
	cmd      *exec.Cmd
	base     string
	instance string // the name its claims carry
}

func startServer(t *testing.T, args ...string) *server {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VERITAS_TEST_SERVE=1", "VERITAS_TEST_ARGS="+strings.Join(append([]string{"--addr", "127.0.0.1:0"}, args...), " "))
	return startProcess(t, cmd)
}

// startProcess starts cmd, a server listening on a port of its choice, and waits for its
// "listening" log line. The process is killed when the test ends.
func startProcess(t *testing.T, cmd *exec.Cmd) *server {
	t.Helper()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	type listening struct{ Msg, Addr, Instance string }
	addr := make(chan listening, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var line listening
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening" {
				addr <- line
			}
		}
	}()
	select {
	case l := <-addr:
		return &server{cmd: cmd, base: "http://" + l.Addr, instance: l.Instance}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start within 30s")
		return nil
	}
}

func (s *server) kill(t *testing.T) {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.cmd.Wait()
}

func statementDoc(tables int) []byte {
	d := docxgen.New().Heading(1, "Acme Holdings plc — Annual Report 2024").
		Paragraph("The consolidated statements below are presented in thousands of euros for the year ended 31 December 2024, with comparatives.")
	for i := 1; i <= tables; i++ {
		d.Heading(2, fmt.Sprintf("Note %d — Revenue", i)).Table([][]string{
			{"", "2024", "2023"},
			{"Products", "1,200.5", "1,100.0"},
			{"Services", "300.0", "250.0"},
			{"Total revenue", "1,510.5", "1,350.0"},
		})
	}
	return d.Bytes()
}

func upload(t *testing.T, base string, doc []byte) schemas.Job {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("file", "FY2024.docx")
	w.Write(doc)
	mw.Close()
	resp, err := http.Post(base+"/api/v1/documents/upload", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("upload: %d %s", resp.StatusCode, data)
	}
	var job schemas.Job
	json.Unmarshal(data, &job)
	return job
}

type streamed struct {
	Type    string `json:"type"`
	Seq     int64  `json:"seq"`
	AgentID string `json:"agent_id"`
	Status  string `json:"status"`
}

// TestKillAndRestartMidJob kills the server process (SIGKILL, no shutdown) while an agent is
// running, starts a new process on the same SQLite file, and checks the job completes with one
// unbroken log: no seq gap, no duplicate, the job's events each emitted once.
func TestKillAndRestartMidJob(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	killAndRestartMidJob(t, "sqlite://"+filepath.Join(t.TempDir(), "veritas.db"))
}

func killAndRestartMidJob(t *testing.T, db string) {
	first := startServer(t, "--database-url", db, "--agent-delay", "30s", "--job-lease", "2s")
	job := upload(t, first.base, statementDoc(4))

	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(first.base, "http", "ws", 1)+"/ws/jobs/"+job.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	var last int64
	for last < 2 { // job_queued, agent_started: the agent is running
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		var ev streamed
		if err := ws.ReadJSON(&ev); err != nil {
			t.Fatal(err)
		}
		if ev.Seq != last+1 {
			t.Fatalf("seq %d after %d", ev.Seq, last)
		}
		last = ev.Seq
	}
	first.kill(t)
	// Read what reached the socket before the kill; the stream must then end.
	for {
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		var ev streamed
		if err := ws.ReadJSON(&ev); err != nil {
			break
		}
		if ev.Seq != last+1 {
			t.Fatalf("seq %d after %d", ev.Seq, last)
		}
		last = ev.Seq
		if ev.Type == schemas.EventAuditComplete {
			t.Fatal("the job finished before the kill; the agent delay did not hold it")
		}
	}
	ws.Close()

	second := startServer(t, "--database-url", db)
	ws, _, err = websocket.DefaultDialer.Dial(fmt.Sprintf("%s/ws/jobs/%s?since=%d", strings.Replace(second.base, "http", "ws", 1), job.ID, last), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for {
		ws.SetReadDeadline(time.Now().Add(20 * time.Second))
		var ev streamed
		if err := ws.ReadJSON(&ev); err != nil {
			t.Fatalf("after seq %d: %v", last, err)
		}
		if ev.Seq != last+1 {
			t.Fatalf("resumed stream: seq %d after %d", ev.Seq, last)
		}
		last = ev.Seq
		if ev.Type == schemas.EventAuditComplete {
			if ev.Status != schemas.JobCompleted {
				t.Fatalf("audit_complete status %q", ev.Status)
			}
			break
		}
	}

	resp, err := http.Get(second.base + "/api/v1/jobs/" + job.ID + "/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var log []streamed
	json.NewDecoder(resp.Body).Decode(&log)
	count := map[string]int{}
	for i, ev := range log {
		if ev.Seq != int64(i+1) {
			t.Fatalf("log position %d holds seq %d", i, ev.Seq)
		}
		switch ev.Type {
		case schemas.EventAgentProgress:
		case schemas.EventAgentCompleted, schemas.EventAgentError:
			count["finished:"+ev.AgentID]++
		default:
			count[ev.Type+":"+ev.AgentID]++
		}
	}
	want := map[string]int{"job_queued:": 1, "audit_complete:": 1}
	for _, a := range job.EnabledAgents {
		want["agent_started:"+a] = 1
		want["finished:"+a] = 1
	}
	if fmt.Sprint(count) != fmt.Sprint(want) || int64(len(log)) != last {
		t.Fatalf("log %v (%d events, stream ended at %d), want each once: %v", count, len(log), last, want)
	}
	var got schemas.Job
	r2, _ := http.Get(second.base + "/api/v1/jobs/" + job.ID)
	json.NewDecoder(r2.Body).Decode(&got)
	r2.Body.Close()
	if got.Status != schemas.JobCompleted || got.Summary.Findings < 4 {
		t.Fatalf("job after restart: %s, %+v", got.Status, got.Summary)
	}
}

// TestGracefulShutdownClosesStreamsAndResumes sends SIGTERM: streams get 1001, the process
// exits cleanly, and the interrupted job resumes on the next start.
func TestGracefulShutdownClosesStreamsAndResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	db := "sqlite://" + filepath.Join(t.TempDir(), "veritas.db")
	first := startServer(t, "--database-url", db, "--agent-delay", "30s")
	job := upload(t, first.base, statementDoc(2))
	ws, _, err := websocket.DefaultDialer.Dial(strings.Replace(first.base, "http", "ws", 1)+"/ws/jobs/"+job.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()
	for range 2 {
		ws.ReadJSON(new(streamed))
	}
	first.cmd.Process.Signal(syscall.SIGTERM)
	for {
		ws.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, _, err = ws.ReadMessage(); err != nil {
			break
		}
	}
	if !websocket.IsCloseError(err, websocket.CloseGoingAway) {
		t.Fatalf("stream ended with %v, want 1001", err)
	}
	if err := first.cmd.Wait(); err != nil {
		t.Fatalf("process exit: %v", err)
	}
	// The resumed job is followed on the second process's stream until it ends.
	second := startServer(t, "--database-url", db)
	ws2, _, err := websocket.DefaultDialer.Dial(strings.Replace(second.base, "http", "ws", 1)+"/ws/jobs/"+job.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws2.Close()
	ws2.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		var ev streamed
		if err := ws2.ReadJSON(&ev); err != nil {
			t.Fatalf("job not resumed: %v", err)
		}
		if ev.Type == schemas.EventAuditComplete {
			if ev.Status != schemas.JobCompleted {
				t.Fatalf("resumed job ended %s", ev.Status)
			}
			return
		}
	}
}

func TestConfig(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := parseConfig(nil, env(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8000" || c.sqlitePath != "./veritas.db" || c.MaxUploadBytes != 20<<20 || c.Workers != 4 ||
		len(c.CORSOrigins) != 2 || c.JobTimeout != 5*time.Minute {
		t.Fatalf("defaults %+v", c)
	}
	c, err = parseConfig([]string{"--workers", "8"}, env("VERITAS_WORKERS", "2", "VERITAS_ADDR", "0.0.0.0:9000", "VERITAS_ALLOW_OPEN", "1"), io.Discard)
	if err != nil || c.Workers != 8 || c.Addr != "0.0.0.0:9000" {
		t.Fatalf("flag over env over default: %+v, %v", c, err)
	}
	for _, tc := range []struct {
		args []string
		env  []string
		want string
	}{
		{nil, []string{"VERITAS_ADDR", "8000"}, "VERITAS_ADDR"},
		{nil, []string{"VERITAS_DATABASE_URL", "mysql://x"}, "VERITAS_DATABASE_URL"},
		{nil, []string{"VERITAS_DATABASE_URL", "postgres://veritas:s3cret@db:port/veritas"}, "VERITAS_DATABASE_URL"},
		{nil, []string{"VERITAS_DATABASE_URL", "sqlite://"}, "VERITAS_DATABASE_URL"},
		{nil, []string{"VERITAS_REDIS_URL", "127.0.0.1:6379"}, "VERITAS_REDIS_URL"},
		{nil, []string{"VERITAS_REDIS_URL", "redis://:s3cret@cache:port/0"}, "VERITAS_REDIS_URL"},
		{nil, []string{"VERITAS_JOB_LEASE", "10ms"}, "VERITAS_JOB_LEASE"},
		{nil, []string{"VERITAS_API_KEYS", "acme:s3cret"}, "VERITAS_API_KEYS"},
		{nil, []string{"VERITAS_CORS_ORIGINS", "localhost:3000"}, "VERITAS_CORS_ORIGINS"},
		{nil, []string{"VERITAS_MAX_UPLOAD_BYTES", "10MB"}, "VERITAS_MAX_UPLOAD_BYTES"},
		{nil, []string{"VERITAS_WORKERS", "0"}, "VERITAS_WORKERS"},
		{nil, []string{"VERITAS_LOG_LEVEL", "loud"}, "VERITAS_LOG_LEVEL"},
		{nil, []string{"VERITAS_MAX_CONCURRENT_UPLOADS", "0"}, "VERITAS_MAX_CONCURRENT_UPLOADS"},
		{nil, []string{"VERITAS_UPLOAD_WAIT", "soon"}, "VERITAS_UPLOAD_WAIT"},
		{nil, []string{"VERITAS_MAX_QUEUED_JOBS", "-1"}, "VERITAS_MAX_QUEUED_JOBS"},
		{nil, []string{"VERITAS_MAX_STREAMS", "many"}, "VERITAS_MAX_STREAMS"},
		{nil, []string{"VERITAS_RATE_LIMIT", "-1"}, "VERITAS_RATE_LIMIT"},
		{nil, []string{"VERITAS_RATE_LIMIT", "NaN"}, "VERITAS_RATE_LIMIT"},
		{nil, []string{"VERITAS_TRUSTED_PROXIES", "nginx"}, "VERITAS_TRUSTED_PROXIES"},
		{nil, []string{"VERITAS_MEMORY_LIMIT", "10MiB"}, "VERITAS_MEMORY_LIMIT"},
		{nil, []string{"VERITAS_MAX_TABLE_ROWS", "0"}, "VERITAS_MAX_TABLE_ROWS"},
		{nil, []string{"VERITAS_MAX_TEXT_BYTES", "2MB"}, "VERITAS_MAX_TEXT_BYTES"},
		{[]string{"--job-timeout", "forever"}, nil, "--job-timeout"},
		{[]string{"--nope"}, nil, "nope"},
		{[]string{"extra"}, nil, "extra"},
	} {
		_, err := parseConfig(tc.args, env(tc.env...), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%v %v: error %v, want one naming %s (and no password)", tc.args, tc.env, err, tc.want)
		}
	}
	c, err = parseConfig(nil, env("VERITAS_MAX_CONCURRENT_UPLOADS", "3", "VERITAS_RATE_LIMIT", "0.5", "VERITAS_MEMORY_LIMIT", "1GiB",
		"VERITAS_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.2", "VERITAS_MAX_QUEUED_JOBS", "7"), io.Discard)
	if err != nil || c.MaxConcurrentUploads != 3 || c.RateLimit != 0.5 || c.MemoryLimit != 1<<30 ||
		len(c.TrustedProxies) != 2 || c.MaxQueuedJobs != 7 || c.MaxTableCells != 60_000 {
		t.Errorf("admission settings: %+v, %v", c, err)
	}
	if c, err := parseConfig(nil, env("VERITAS_REDIS_URL", "redis://:s3cret@cache:6379/2", "VERITAS_JOB_LEASE", "3s"), io.Discard); err != nil ||
		c.RedisURL != "redis://:s3cret@cache:6379/2" || c.JobLease != 3*time.Second {
		t.Errorf("redis and lease settings: %+v, %v", c, err)
	}
	for _, u := range []string{"postgres://veritas:s3cret@db.internal:5432/veritas?sslmode=require", "postgresql://veritas@10.0.0.7/veritas"} {
		c, err := parseConfig([]string{"--database-url", u}, env(), io.Discard)
		if err != nil {
			t.Errorf("%s: %v", u, err)
			continue
		}
		if c.postgresURL != u || c.sqlitePath != "" || strings.Contains(c.DatabaseURL, "s3cret") {
			t.Errorf("%s: postgres %q, sqlite %q, shown %q", u, c.postgresURL, c.sqlitePath, c.DatabaseURL)
		}
	}
}

func TestRunStopsOnBadConfig(t *testing.T) {
	err := run(context.Background(), []string{"--workers", "-1"}, func(string) string { return "" }, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "--workers") {
		t.Fatalf("run: %v", err)
	}
}

var update = flag.Bool("update", false, "rewrite testdata/acme-fy2024.docx from sampleStatement")

// sampleStatement is the statement the README walks through: a small annual report with one
// casting error (the 2024 total of administrative expenses).
func sampleStatement() []byte {
	return docxgen.New().
		Heading(1, "Acme Holdings plc — Annual Report 2024").
		Paragraph("These consolidated financial statements of Acme Holdings plc are for the year ended 31 December 2024. "+
			"All amounts are in thousands of euros unless stated otherwise.").
		Paragraph("Revenue increased by 11% to 1,500.5 thousand, driven by growth in services. "+
			"Operating profit rose to 310.5 thousand.").
		Heading(2, "Consolidated income statement").
		Table([][]string{
			{"", "Note", "2024", "2023"},
			{"", "", "€000", "€000"},
			{"Revenue", "3", "1,500.5", "1,350.0"},
			{"Cost of sales", "", "(900.0)", "(820.0)"},
			{"Gross profit", "", "600.5", "530.0"},
			{"Administrative expenses", "4", "(290.0)", "(270.0)"},
			{"Operating profit", "", "310.5", "260.0"},
		}).
		Heading(2, "Note 3 — Revenue by segment").
		Table([][]string{
			{"", "2024", "2023"},
			{"Products", "1,200.5", "1,100.0"},
			{"Services", "300.0", "250.0"},
			{"Total revenue", "1,500.5", "1,350.0"},
		}).
		Heading(2, "Note 4 — Administrative expenses").
		Table([][]string{
			{"", "2024", "2023"},
			{"Staff costs", "180.0", "170.0"},
			{"Premises", "62.0", "60.0"},
			{"Professional fees", "38.0", "40.0"},
			{"Total administrative expenses", "290.0", "270.0"},
		}).
		Bytes()
}

func TestSampleStatement(t *testing.T) {
	path := filepath.Join("testdata", "acme-fy2024.docx")
	want := sampleStatement()
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, want, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date with sampleStatement (%v); run go test . -run TestSampleStatement -update", path, err)
	}
}
