// Command loadrun measures ltibox under load: the tool runs as its own process
// (the real binary), the platform emulator runs here in the load generator, and
// each simulated browser does the OIDC login → platform auth → launch flow. The
// tool's CPU time and peak RSS are read from /proc, so its own cost per launch
// is visible apart from the emulator's.
//
// It prints two tables, one row per concurrency level:
//
//   - End to end: each browser runs the whole flow, and the emulator signs its
//     RS256 id_token inside the timed window. This is what a browser sees with
//     this emulator on this machine; on a small machine the signing competes
//     with the tool for the same cores, so throughput and tail latency at high
//     concurrency largely measure the emulator.
//   - Tool only: in production the platform signs on the LMS's own servers, so
//     this table keeps the emulator's work out of the timed windows. The
//     browsers first send all their login initiations (timed), the emulator
//     then authorizes every saved redirect (not timed, and not counted in the
//     tool's CPU), and the browsers then post their id_tokens (timed). A flow's
//     latency is its login plus its launch; flows/s is over the two timed
//     phases only. This is the tool's own latency and cost.
//
// Both are reported and neither replaces the other. --tool-only=false prints
// only the first table.
//
//	go run ./server/loadrun --bin bin/ltibox --n 2000 --conc 1,16,64
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

func main() {
	bin := flag.String("bin", "bin/ltibox", "the ltibox binary to measure")
	n := flag.Int("n", 2000, "launches per concurrency level")
	conc := flag.String("conc", "1,16,64", "concurrent browsers, comma-separated")
	storage := flag.Bool("storage", false, "use the platform-storage binding (path b) instead of the cookie")
	toolOnly := flag.Bool("tool-only", true, "also print the tool-only table (the emulator's signing outside the timed windows)")
	flag.Parse()
	if err := run(*bin, *n, *conc, *storage, *toolOnly); err != nil {
		fmt.Fprintln(os.Stderr, "loadrun:", err)
		os.Exit(1)
	}
}

func run(bin string, n int, concList string, storage, toolOnly bool) error {
	_ = storage
	levels, err := parseLevels(concList)
	if err != nil {
		return err
	}
	if n < 1 {
		return fmt.Errorf("bad --n %d", n)
	}
	dir, err := os.MkdirTemp("", "ltibox-loadrun-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	lms, stopLMS, err := startEmulator()
	if err != nil {
		return err
	}
	defer stopLMS()
	srv, base, err := startTool(bin, dir, lms)
	if err != nil {
		return err
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	r, err := newLoadRun(lms, srv.Process.Pid, base)
	if err != nil {
		return err
	}
	for i := 0; i < 50; i++ { // warm up: JWKS cache, connections, statement cache
		if err := r.launch(r.newBrowser()); err != nil {
			return err
		}
	}

	fmt.Printf("ltibox load run: %d launches per level, tool pid %d (%s), emulator in the load generator\n", n, r.pid, bin)
	fmt.Println("end to end (emulator signing inside the timed window)")
	printHeader("launches/s", "tool CPU/launch")
	for _, c := range levels {
		l, err := r.endToEnd(c, n)
		if err != nil {
			return err
		}
		l.print(c, n)
	}
	if toolOnly {
		fmt.Println()
		fmt.Println("tool only (platform's signing done between the timed phases)")
		printHeader("flows/s", "tool CPU/flow")
		for _, c := range levels {
			l, err := r.toolOnly(c, n)
			if err != nil {
				return err
			}
			l.print(c, n)
		}
	}
	mem, err := memStatus(r.pid)
	if err != nil {
		return err
	}
	mb := func(k string) float64 { return float64(mem[k]) / 1024 }
	fmt.Printf("tool peak RSS: %.1f MB (at the end: %.1f MB heap and stacks, %.1f MB file pages, %.1f MB shared memory)\n",
		mb("VmHWM"), mb("RssAnon"), mb("RssFile"), mb("RssShmem"))
	return nil
}

// parseLevels reads the comma-separated concurrency levels.
func parseLevels(list string) ([]int, error) {
	var levels []int
	for _, f := range strings.Split(list, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 1 {
			return nil, fmt.Errorf("bad concurrency %q", f)
		}
		levels = append(levels, c)
	}
	return levels, nil
}

// startEmulator serves the platform emulator in this process.
func startEmulator() (*ltitest.Platform, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	lms, err := ltitest.New(ltitest.Options{BaseURL: "http://" + ln.Addr().String()})
	if err != nil {
		ln.Close()
		return nil, nil, err
	}
	srv := &http.Server{Handler: lms.Handler()}
	go srv.Serve(ln)
	return lms, func() { srv.Close() }, nil
}

// startTool registers the tool with the emulator and the emulator with the
// tool, then starts the tool as its own process and waits until it is healthy.
// The caller stops the process.
func startTool(bin, dir string, lms *ltitest.Platform) (*exec.Cmd, string, error) {
	addr, err := freePort()
	if err != nil {
		return nil, "", err
	}
	base := "http://" + addr
	lms.RegisterTool(ltitest.ToolConfig{ClientID: "load", DeploymentIDs: []string{"1"}, LoginURL: base + "/lti/login",
		RedirectURIs: []string{base + "/lti/launch"}, TargetLinkURI: base + "/lti/launch", JWKSURL: base + "/.well-known/jwks.json"})
	add := exec.Command(bin, "platform", "add", "--data", dir, "--base-url", base, "--allow-loopback-http", "--name", "Load LMS",
		"--issuer", lms.Issuer(), "--client-id", "load", "--auth-url", lms.AuthURL(), "--token-url", lms.TokenURL(),
		"--jwks-url", lms.JWKSURL(), "--deployment", "1")
	if out, err := add.CombinedOutput(); err != nil {
		return nil, "", fmt.Errorf("platform add: %v\n%s", err, out)
	}
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return nil, "", err
	}
	srv := exec.Command(bin, "serve", "--demo", "--data", dir, "--addr", addr, "--base-url", base)
	srv.Stdout, srv.Stderr = logf, logf
	err = srv.Start()
	logf.Close() // the child has its own descriptor
	if err != nil {
		return nil, "", err
	}
	if err := waitHealthy(base); err != nil {
		srv.Process.Kill()
		srv.Wait()
		return nil, "", err
	}
	return srv, base, nil
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// loadRun drives browsers against the tool process pid.
type loadRun struct {
	lms       *ltitest.Platform
	pid       int
	spec      ltitest.LaunchSpec
	loginURL  string // where the platform posts the login initiation
	origin    string // the platform's web origin, sent as Origin like a browser
	transport *http.Transport
}

func newLoadRun(lms *ltitest.Platform, pid int, base string) (*loadRun, error) {
	spec := ltitest.LaunchSpec{ClientID: "load", UserID: "instructor", WithAGS: true, WithNRPS: true}
	tool, ok := lms.Tool(spec.ClientID)
	if !ok {
		return nil, fmt.Errorf("tool %q is not registered with the emulator", spec.ClientID)
	}
	iss, err := url.Parse(lms.Issuer())
	if err != nil {
		return nil, err
	}
	return &loadRun{lms: lms, pid: pid, spec: spec, loginURL: tool.LoginURL, origin: iss.Scheme + "://" + iss.Host,
		transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}}, nil
}

// newBrowser is a fresh browser: its own cookie jar, and redirects returned
// rather than followed, so each step of the flow can be checked.
func (r *loadRun) newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Transport: r.transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// launch runs one whole flow with the emulator playing the browser.
func (r *loadRun) launch(b *http.Client) error {
	resp, err := r.lms.Launch(context.Background(), b, r.spec)
	if err != nil {
		return err
	}
	return checkLaunched(resp)
}

// checkLaunched reads and closes the tool's answer to the id_token post, which
// must send the browser on to the app with its session.
func checkLaunched(resp *http.Response) error {
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "#session=") {
		return fmt.Errorf("launch answered %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	return nil
}

// level is one table row: n flows at one concurrency level.
type level struct {
	wall time.Duration   // wall-clock time of the timed windows
	cpu  time.Duration   // the tool's CPU time within them
	lat  []time.Duration // per flow
}

// add accounts for one timed window.
func (l *level) add(w window) { l.wall += w.wall; l.cpu += w.cpu }

func printHeader(rate, cpu string) {
	fmt.Printf("%-10s %12s %10s %10s %18s\n", "browsers", rate, "p50", "p99", cpu)
}

func (l level) print(c, n int) {
	lat := append([]time.Duration(nil), l.lat...)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
	fmt.Printf("%-10d %12.0f %10s %10s %15.3f ms\n", c, float64(n)/l.wall.Seconds(), pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond),
		float64(l.cpu.Microseconds())/1000/float64(n))
}

// endToEnd runs n whole flows over c browsers, each flow with a fresh browser.
func (r *loadRun) endToEnd(c, n int) (level, error) {
	l := level{lat: make([]time.Duration, n)}
	w, err := r.timed(c, n, func(i int) error {
		b := r.newBrowser()
		t0 := time.Now()
		err := r.launch(b)
		l.lat[i] = time.Since(t0)
		return err
	})
	l.add(w)
	return l, err
}

// flow is one browser's tool-only login and launch, carried across the phases.
type flow struct {
	browser *http.Client // its cookie jar holds the login state cookie
	form    url.Values   // the login initiation the platform page posts
	authURL string       // the tool's redirect to the platform
	action  string       // where the platform's auto-post form goes
	fields  url.Values   // id_token and state
	lat     time.Duration
}

// maxBatch bounds the logins left waiting for their launch at once. A real
// browser posts its launch well within a second of its login, and the tool
// keeps fresh login states in memory for a few seconds (sqlite/login_buffer.go);
// a batch of 256 keeps each login's wait for its launch under a second here
// too, so the table measures the path real launches take. (The emulator
// also forgets pending launches beyond 10000.)
const maxBatch = 256

// toolOnly runs n flows over c browsers in three phases: logins (timed), the
// platform's authorization (not timed), launches (timed). Large n is split into
// batches, so no login waits too long for its launch.
func (r *loadRun) toolOnly(c, n int) (level, error) {
	l := level{lat: make([]time.Duration, 0, n)}
	for done := 0; done < n; done += maxBatch {
		flows := r.prepareFlows(min(maxBatch, n-done))
		w, err := r.timed(c, len(flows), func(i int) error { return r.login(&flows[i]) })
		if err != nil {
			return l, err
		}
		l.add(w)
		if err := r.authorizeAll(flows); err != nil {
			return l, err
		}
		if w, err = r.timed(c, len(flows), func(i int) error { return r.postIDToken(&flows[i]) }); err != nil {
			return l, err
		}
		l.add(w)
		for _, f := range flows {
			l.lat = append(l.lat, f.lat)
		}
	}
	return l, nil
}

// prepareFlows gives each flow a fresh browser and the platform's login form.
// The form is the emulator's work, so it is done before the timed window.
func (r *loadRun) prepareFlows(n int) []flow {
	flows := make([]flow, n)
	for i := range flows {
		flows[i] = flow{browser: r.newBrowser(), form: r.lms.LoginForm(r.spec)}
	}
	return flows
}

// login posts the login initiation as ltitest's Launch does (a cross-site form
// post from the platform page) and keeps the tool's redirect to the platform.
func (r *loadRun) login(f *flow) error {
	req, err := r.formPost(r.loginURL, f.form)
	if err != nil {
		return err
	}
	t0 := time.Now()
	resp, err := f.browser.Do(req)
	if err != nil {
		return fmt.Errorf("login: %w", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	f.lat += time.Since(t0)
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther {
		return fmt.Errorf("login answered %d", resp.StatusCode)
	}
	loc, err := resp.Location()
	if err != nil {
		return fmt.Errorf("login redirect: %w", err)
	}
	f.authURL = loc.String()
	return nil
}

// authorizeAll has the emulator answer every saved redirect in-process, as the
// LMS's servers would, over all cores: this is the RS256 signing that tool-only
// keeps out of the timed windows.
func (r *loadRun) authorizeAll(flows []flow) error {
	return concurrently(runtime.GOMAXPROCS(0), len(flows), func(i int) error {
		f := &flows[i]
		var err error
		if f.action, f.fields, err = r.lms.Authorize(f.authURL); err != nil {
			return err
		}
		if e := f.fields.Get("error"); e != "" {
			return fmt.Errorf("authorize: %s: %s", e, f.fields.Get("error_description"))
		}
		return nil
	})
}

// postIDToken is the platform page's auto-post of id_token and state to the
// tool, from the browser that logged in, as ltitest's Launch sends it.
func (r *loadRun) postIDToken(f *flow) error {
	req, err := r.formPost(f.action, f.fields)
	if err != nil {
		return err
	}
	t0 := time.Now()
	resp, err := f.browser.Do(req)
	if err != nil {
		return fmt.Errorf("post id token: %w", err)
	}
	err = checkLaunched(resp)
	f.lat += time.Since(t0)
	return err
}

// formPost is a form post from the platform's page, with the Origin a browser
// would send.
func (r *loadRun) formPost(target string, form url.Values) (*http.Request, error) {
	req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", r.origin)
	return req, nil
}

// window is one timed window: its wall-clock time and the tool's CPU time.
type window struct{ wall, cpu time.Duration }

// timed runs fn for 0..n-1 over c goroutines and measures the window. The
// tool's CPU is read just before and after, so only work within it counts.
func (r *loadRun) timed(c, n int, fn func(i int) error) (window, error) {
	cpu0, err := cpuTime(r.pid)
	if err != nil {
		return window{}, err
	}
	start := time.Now()
	err = concurrently(c, n, fn)
	wall := time.Since(start)
	if err != nil {
		return window{}, err
	}
	cpu1, err := cpuTime(r.pid)
	if err != nil {
		return window{}, err
	}
	return window{wall: wall, cpu: cpu1 - cpu0}, nil
}

// concurrently calls fn for 0..n-1 from c goroutines and returns the first
// error. Every index is still visited, so the load keeps its shape.
func concurrently(c, n int, fn func(i int) error) error {
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for g := 0; g < c; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(i); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return firstErr
}

func waitHealthy(base string) error {
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("ltibox did not become healthy at %s", base)
}

// cpuTime is the process's user+system CPU time from /proc/PID/stat.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which may hold spaces) start after the last ')'.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	const hz = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / hz, nil
}

// memStatus reads the memory lines of /proc/PID/status, in KiB: VmHWM is the
// peak RSS; RssAnon, RssFile and RssShmem split the current one (file pages
// are mostly SQLite's memory-mapped database, shared memory its WAL index).
func memStatus(pid int) (map[string]int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]int64{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if f := strings.Fields(v); ok && len(f) == 2 && f[1] == "kB" {
			out[k], _ = strconv.ParseInt(f[0], 10, 64)
		}
	}
	if _, ok := out["VmHWM"]; !ok {
		return nil, fmt.Errorf("no VmHWM for pid %d", pid)
	}
	return out, sc.Err()
}
