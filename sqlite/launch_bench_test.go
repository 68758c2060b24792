package sqlite_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/ltibox/ltibox/server/lti"
	"github.com/ltibox/ltibox/server/model"
)

// BenchmarkCreateLaunch is the store's share of a launch by someone already
// known: login state saved and consumed, session, link and log entry written.
func BenchmarkCreateLaunch(b *testing.B) {
	db := MustOpen(b)
	MustLaunch(b, db, "warm") // the registration, the course
	ctx := context.Background()
	regs, err := db.RegistrationsByIssuer(ctx, "https://lms.example")
	if err != nil {
		b.Fatal(err)
	}
	reg := regs[0]
	i := 0
	for b.Loop() {
		i++
		now := time.Now()
		state := lti.HashToken(fmt.Sprint("state-", i))
		if err := db.SaveLogin(ctx, &lti.LoginState{StateHash: state, Nonce: "n", RegistrationID: reg.ID, TargetLinkURI: "https://tool.example/lti/launch",
			CreatedAt: now, ExpiresAt: now.Add(time.Minute)}); err != nil {
			b.Fatal(err)
		}
		if _, err := db.ConsumeLogin(ctx, state); err != nil {
			b.Fatal(err)
		}
		s := &model.LaunchSession{RegistrationID: reg.ID, DeploymentID: "1", User: &model.User{Subject: "teacher", Name: "Teacher"},
			Context: &model.Context{ContextID: "c-1", Title: "Course"}, ResourceLinkID: "rl-1", MessageType: lti.MessageResourceLink,
			Role: model.RoleInstructor, Roles: []string{"http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"}, Binding: lti.BindingCookie,
			Claims: model.LaunchClaims{TargetLinkURI: "https://tool.example/lti/launch", PlatformName: "LMS"}, ExpiresAt: now.Add(8 * time.Hour)}
		link := &model.ResourceLink{RegistrationID: reg.ID, DeploymentID: "1", ResourceLinkID: "rl-1", Title: "Quiz"}
		if _, err := db.CreateLaunch(ctx, lti.HashToken(fmt.Sprint("token-", i)), s, link,
			&model.LaunchAttempt{OK: true, RegistrationID: reg.ID, Issuer: reg.Issuer, ClientID: reg.ClientID, DeploymentID: "1", MessageType: lti.MessageResourceLink}); err != nil {
			b.Fatal(err)
		}
	}
}
