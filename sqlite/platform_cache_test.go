package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/sqlite"
)

// The platform cache: writes through the same DB are seen at once; writes by
// another process on the same file (the CLI) within the TTL.
func TestPlatformCache_Invalidation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ltibox.db")
	server, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	now := time.Now()
	server.Now = func() time.Time { return now }
	cli, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	ctx := context.Background()
	reg := &lti.Registration{Name: "LMS", Issuer: "https://lms.example", ClientID: "c", AuthURL: "https://lms.example/a", TokenURL: "https://lms.example/t", JWKSURL: "https://lms.example/j"}
	if err := server.CreateRegistration(ctx, reg); err != nil {
		t.Fatal(err)
	}
	if _, err := server.DeploymentStatus(ctx, reg.ID, "1"); err == nil {
		t.Fatal("unknown deployment found")
	}
	if _, err := server.AddDeployment(ctx, reg.ID, "1", lti.StatusPending); err != nil {
		t.Fatal(err)
	}
	if st, err := server.DeploymentStatus(ctx, reg.ID, "1"); err != nil || st != lti.StatusPending {
		t.Fatalf("after a write through the same DB: %q, %v; want pending at once", st, err)
	}
	if err := cli.SetDeploymentStatus(ctx, reg.ID, "1", lti.StatusActive); err != nil {
		t.Fatal(err)
	}
	if st, _ := server.DeploymentStatus(ctx, reg.ID, "1"); st != lti.StatusPending {
		t.Fatalf("another process's write seen before the TTL: %q (the cache is not used)", st)
	}
	now = now.Add(6 * time.Second)
	if st, _ := server.DeploymentStatus(ctx, reg.ID, "1"); st != lti.StatusActive {
		t.Errorf("another process's write not seen after the TTL: %q", st)
	}
	regs, _ := server.RegistrationsByIssuer(ctx, reg.Issuer)
	regs[0].Status = "tampered"
	if again, _ := server.RegistrationsByIssuer(ctx, reg.Issuer); again[0].Status != lti.StatusActive {
		t.Error("callers can mutate cached registrations")
	}
}
