// Command loadrun measures ltibox under load: the tool runs as its own process
// (the real binary), the platform emulator runs here in the load generator, and
// each simulated browser does the full login → auth → launch flow. The tool's
// CPU time and peak RSS are read from /proc, so its own cost per launch is
// visible apart from the emulator's RS256 signing.
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
	"os"
	"os/exec"
	"path/filepath"
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
	flag.Parse()
	if err := run(*bin, *n, *conc, *storage); err != nil {
		fmt.Fprintln(os.Stderr, "loadrun:", err)
		os.Exit(1)
	}
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func run(bin string, n int, concList string, storage bool) error {
	_ = storage
	dir, err := os.MkdirTemp("", "ltibox-loadrun-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// The platform, in this process.
	lmsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	lms, err := ltitest.New(ltitest.Options{BaseURL: "http://" + lmsLn.Addr().String()})
	if err != nil {
		return err
	}
	lmsSrv := &http.Server{Handler: lms.Handler()}
	go lmsSrv.Serve(lmsLn)
	defer lmsSrv.Close()

	// The tool, as its own process.
	addr, err := freePort()
	if err != nil {
		return err
	}
	base := "http://" + addr
	lms.RegisterTool(ltitest.ToolConfig{ClientID: "load", DeploymentIDs: []string{"1"}, LoginURL: base + "/lti/login",
		RedirectURIs: []string{base + "/lti/launch"}, TargetLinkURI: base + "/lti/launch", JWKSURL: base + "/.well-known/jwks.json"})
	add := exec.Command(bin, "platform", "add", "--data", dir, "--base-url", base, "--allow-loopback-http", "--name", "Load LMS",
		"--issuer", lms.Issuer(), "--client-id", "load", "--auth-url", lms.AuthURL(), "--token-url", lms.TokenURL(),
		"--jwks-url", lms.JWKSURL(), "--deployment", "1")
	if out, err := add.CombinedOutput(); err != nil {
		return fmt.Errorf("platform add: %v\n%s", err, out)
	}
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return err
	}
	defer logf.Close()
	srv := exec.Command(bin, "serve", "--demo", "--data", dir, "--addr", addr, "--base-url", base)
	srv.Stdout, srv.Stderr = logf, logf
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { srv.Process.Signal(os.Interrupt); srv.Wait() }()
	if err := waitHealthy(base); err != nil {
		return err
	}

	transport := &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 256, IdleConnTimeout: time.Minute}
	newBrowser := func() *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, Transport: transport, Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	spec := ltitest.LaunchSpec{ClientID: "load", UserID: "instructor", WithAGS: true, WithNRPS: true}
	launch := func(c *http.Client) error {
		resp, err := lms.Launch(context.Background(), c, spec)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "#session=") {
			return fmt.Errorf("launch answered %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		return nil
	}
	for i := 0; i < 50; i++ { // warm up: JWKS cache, connections, statement cache
		if err := launch(newBrowser()); err != nil {
			return err
		}
	}

	fmt.Printf("ltibox load run: %d launches per level, tool pid %d (%s), emulator in the load generator\n", n, srv.Process.Pid, bin)
	fmt.Printf("%-10s %12s %10s %10s %18s\n", "browsers", "launches/s", "p50", "p99", "tool CPU/launch")
	for _, f := range strings.Split(concList, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || c < 1 {
			return fmt.Errorf("bad concurrency %q", f)
		}
		cpu0, err := cpuTime(srv.Process.Pid)
		if err != nil {
			return err
		}
		lat := make([]time.Duration, 0, n)
		var mu sync.Mutex
		var firstErr error
		next := make(chan struct{}, n)
		for i := 0; i < n; i++ {
			next <- struct{}{}
		}
		close(next)
		start := time.Now()
		var wg sync.WaitGroup
		for g := 0; g < c; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range next {
					b := newBrowser()
					t0 := time.Now()
					err := launch(b)
					d := time.Since(t0)
					mu.Lock()
					if err != nil && firstErr == nil {
						firstErr = err
					}
					lat = append(lat, d)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		elapsed := time.Since(start)
		if firstErr != nil {
			return firstErr
		}
		cpu1, err := cpuTime(srv.Process.Pid)
		if err != nil {
			return err
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		pct := func(p float64) time.Duration { return lat[int(p*float64(len(lat)-1))] }
		fmt.Printf("%-10d %12.0f %10s %10s %15.3f ms\n", c, float64(n)/elapsed.Seconds(), pct(0.50).Round(10*time.Microsecond), pct(0.99).Round(10*time.Microsecond),
			float64((cpu1-cpu0).Microseconds())/1000/float64(n))
	}
	rss, err := peakRSS(srv.Process.Pid)
	if err != nil {
		return err
	}
	fmt.Printf("tool peak RSS: %.1f MB\n", float64(rss)/1024)
	return nil
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

// peakRSS is VmHWM from /proc/PID/status, in KiB.
func peakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmHWM for pid %d", pid)
}
