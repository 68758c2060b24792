package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ltibox/ltibox/server/browsertest"
	"github.com/ltibox/ltibox/server/model"
)

// TestConsole_AddRemoveDeployment: on the Deployments page the admin adds a
// deployment of the demo LMS, whose launches then work, and removes it again
// (after the confirmation), whose launches are then refused with the readable
// page. The ID has a space, as LTI allows (any ASCII): the console must carry
// it through the URL of the removal.
func TestConsole_AddRemoveDeployment(t *testing.T) {
	const dep = "course 42"
	c := openConsole(t, "/admin/")
	c.demoLaunchesFrom(dep)
	c.run("add a deployment",
		browsertest.Press("link", "Deployments"),
		chromedp.WaitVisible(`#deployment-form`),
		chromedp.WaitVisible(`main[data-status="loaded"]`),
		browsertest.Choose("Platform", "Demo LMS"),
		browsertest.Fill("Deployment ID", dep),
		browsertest.Press("button", "Add deployment"),
		c.done("Added deployment "+dep+"."),
	)
	c.allNamed()
	if st, err := c.a.db.DeploymentStatus(context.Background(), 1, dep); err != nil || st != "active" {
		t.Errorf("stored deployment: %q %v", st, err)
	}
	if deps := c.apiDeployments(); len(deps) != 2 || deps[1] != dep {
		t.Errorf("admin API deployments after add: %q", deps)
	}
	if st, page := c.launch(dep); st != http.StatusSeeOther {
		t.Errorf("launch from the added deployment = %d %.300s", st, page)
	}

	c.run("remove it",
		c.reload(),
		c.dialogs.Accept(true),
		browsertest.Press("button", "Remove deployment "+dep+" of Demo LMS"),
		c.done("Removed deployment "+dep+"."),
	)
	if c.count("button", "Remove deployment "+dep+" of Demo LMS") != 0 || c.count("button", "Remove deployment 1 of Demo LMS") != 1 {
		t.Errorf("deployment list after the removal is wrong")
	}
	if deps := c.apiDeployments(); len(deps) != 1 || deps[0] != "1" {
		t.Errorf("admin API deployments after remove: %q", deps)
	}
	if _, err := c.a.db.DeploymentStatus(context.Background(), 1, dep); model.ErrorCode(err) != model.ENOTFOUND {
		t.Errorf("stored deployment after remove: %v", err)
	}
	st, page := c.launch(dep)
	refused(t, st, page, http.StatusForbidden, "This LMS deployment is not registered with ltibox", "launch.deployment_unknown")
}

// apiDeployments lists the deployment IDs of the demo LMS in the admin API.
func (c *console) apiDeployments() []string {
	c.t.Helper()
	var p model.Platform
	if st := c.api("GET", platformPath(1), &p); st != 200 {
		c.t.Fatalf("admin API platform 1: %d", st)
	}
	ids := []string{}
	for _, d := range p.Deployments {
		ids = append(ids, d.DeploymentID)
	}
	return ids
}
