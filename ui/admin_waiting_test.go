package ui

import (
	"testing"

	"github.com/ltibox/ltibox/server/model"
)

// TestAdminConsole_NavCountsPendingApprovals: the navigation says how many
// platforms and deployments wait for approval, and nothing when none does.
func TestAdminConsole_NavCountsPendingApprovals(t *testing.T) {
	c := newAdminConsole(PathAdminOutbox)
	c.auth, c.loaded, c.waiting = authReady, statusLoaded, 2
	mustContain(t, render(t, c), `href="/admin/approvals">Pending approvals (2)</a>`)
	c = newAdminConsole(PathAdminOutbox)
	c.auth, c.loaded = authReady, statusLoaded
	got := render(t, c)
	mustContain(t, got, `>Pending approvals</a>`)
	mustNotContain(t, got, "Pending approvals (")
}

// TestWaitingIn: the Platforms and Deployments pages count what waits for
// approval from the platforms they read, as /api/admin/pending would.
func TestWaitingIn(t *testing.T) {
	ps := []model.Platform{
		{ID: 1, Status: "active", Deployments: []model.Deployment{{DeploymentID: "1", Status: "active"}, {DeploymentID: "9", Status: "pending"}}},
		{ID: 2, Status: "pending", Deployments: []model.Deployment{{DeploymentID: "3", Status: "pending"}}},
		{ID: 3, Status: "disabled", Deployments: []model.Deployment{{DeploymentID: "4", Status: "rejected"}}},
	}
	if n := waitingIn(ps); n != 3 {
		t.Errorf("waitingIn = %d, want 3 (platform 2, deployments 9 and 3)", n)
	}
	if n := waitingIn(nil); n != 0 {
		t.Errorf("waitingIn(nil) = %d", n)
	}
}
