package ui

import (
	"context"
	"net/url"
	"strconv"

	"github.com/ltibox/ltibox/server/model"
)

// adminAPIBase is the prefix of the console's JSON API.
const adminAPIBase = "/api/admin"

// adminClient is the typed client of /api/admin. The browser sends the
// console's session cookie itself (same origin); the client adds the CSRF
// token to every unsafe request.
type adminClient struct {
	csrf string
}

// do sends one console request with the CSRF token on every change (see doJSON).
func (c *adminClient) do(ctx context.Context, method, path string, in, out any) error {
	headers := map[string]any{}
	if method != "GET" && c.csrf != "" {
		headers["X-CSRF-Token"] = c.csrf
	}
	return doJSON(ctx, method, adminAPIBase+path, headers, in, out)
}

func (c *adminClient) Status(ctx context.Context) (s model.AdminStatus, err error) {
	err = c.do(ctx, "GET", "/status", nil, &s)
	return
}

func (c *adminClient) Setup(ctx context.Context, in model.Credentials) (s model.AdminSession, err error) {
	err = c.do(ctx, "POST", "/setup", in, &s)
	return
}

func (c *adminClient) Login(ctx context.Context, in model.Credentials) (s model.AdminSession, err error) {
	err = c.do(ctx, "POST", "/login", in, &s)
	return
}

func (c *adminClient) Session(ctx context.Context) (s model.AdminSession, err error) {
	err = c.do(ctx, "GET", "/session", nil, &s)
	return
}

func (c *adminClient) Logout(ctx context.Context) error {
	return c.do(ctx, "POST", "/logout", nil, nil)
}

func (c *adminClient) Platforms(ctx context.Context) (p []model.Platform, err error) {
	err = c.do(ctx, "GET", "/platforms", nil, &p)
	return
}

func (c *adminClient) CreatePlatform(ctx context.Context, in model.PlatformInput) (p model.Platform, err error) {
	err = c.do(ctx, "POST", "/platforms", in, &p)
	return
}

func (c *adminClient) UpdatePlatform(ctx context.Context, id int64, in model.PlatformInput) (p model.Platform, err error) {
	err = c.do(ctx, "PUT", "/platforms/"+strconv.FormatInt(id, 10), in, &p)
	return
}

func (c *adminClient) SetPlatformStatus(ctx context.Context, id int64, status string) error {
	return c.do(ctx, "POST", "/platforms/"+strconv.FormatInt(id, 10)+"/status", map[string]string{"status": status}, nil)
}

func (c *adminClient) DeletePlatform(ctx context.Context, id int64) error {
	return c.do(ctx, "DELETE", "/platforms/"+strconv.FormatInt(id, 10), nil, nil)
}

func (c *adminClient) AddDeployment(ctx context.Context, id int64, dep string) error {
	return c.do(ctx, "POST", "/platforms/"+strconv.FormatInt(id, 10)+"/deployments", map[string]string{"deploymentId": dep}, nil)
}

func (c *adminClient) RemoveDeployment(ctx context.Context, id int64, dep string) error {
	return c.do(ctx, "DELETE", "/platforms/"+strconv.FormatInt(id, 10)+"/deployments/"+url.PathEscape(dep), nil, nil)
}

// DecideDeployment approves ("approve") or rejects ("reject") a queued deployment.
func (c *adminClient) DecideDeployment(ctx context.Context, id int64, dep, decision string) error {
	return c.do(ctx, "POST", "/platforms/"+strconv.FormatInt(id, 10)+"/deployments/"+url.PathEscape(dep)+"/"+decision, nil, nil)
}

func (c *adminClient) Presets(ctx context.Context) (p []model.Preset, err error) {
	err = c.do(ctx, "GET", "/presets", nil, &p)
	return
}

func (c *adminClient) Settings(ctx context.Context) (s model.AdminSettings, err error) {
	err = c.do(ctx, "GET", "/settings", nil, &s)
	return
}

func (c *adminClient) SaveSettings(ctx context.Context, in model.AdminSettings) (s model.AdminSettings, err error) {
	err = c.do(ctx, "PUT", "/settings", in, &s)
	return
}

func (c *adminClient) Pending(ctx context.Context) (p model.Pending, err error) {
	err = c.do(ctx, "GET", "/pending", nil, &p)
	return
}

func (c *adminClient) Keys(ctx context.Context) (k []model.KeyInfo, err error) {
	err = c.do(ctx, "GET", "/keys", nil, &k)
	return
}

func (c *adminClient) RotateKey(ctx context.Context) error {
	return c.do(ctx, "POST", "/keys/rotate", nil, nil)
}

// ReplaceKeys answers a leaked key: a new key signs at once, every other goes.
func (c *adminClient) ReplaceKeys(ctx context.Context) error {
	return c.do(ctx, "POST", "/keys/replace", nil, nil)
}

func (c *adminClient) Launches(ctx context.Context) (l []model.LaunchAttempt, err error) {
	err = c.do(ctx, "GET", "/launches", nil, &l)
	return
}

func (c *adminClient) Launch(ctx context.Context, id int64) (l model.LaunchAttempt, err error) {
	err = c.do(ctx, "GET", "/launches/"+strconv.FormatInt(id, 10), nil, &l)
	return
}

func (c *adminClient) Library(ctx context.Context) (a []model.Activity, err error) {
	err = c.do(ctx, "GET", "/activities", nil, &a)
	return
}

func (c *adminClient) SaveActivity(ctx context.Context, a model.Activity) (out model.Activity, err error) {
	if a.ID == 0 {
		err = c.do(ctx, "POST", "/activities", a, &out)
	} else {
		err = c.do(ctx, "PUT", "/activities/"+strconv.FormatInt(a.ID, 10), a, &out)
	}
	return
}

func (c *adminClient) Outbox(ctx context.Context) (o model.OutboxStatus, err error) {
	err = c.do(ctx, "GET", "/outbox", nil, &o)
	return
}

// RetryOutbox requeues the given outbox items (nil: every one not delivered);
// for named items the answer has them as the LMS left them.
func (c *adminClient) RetryOutbox(ctx context.Context, ids []int64) (out model.OutboxRetry, err error) {
	err = c.do(ctx, "POST", "/outbox/retry", map[string][]int64{"ids": ids}, &out)
	return
}
