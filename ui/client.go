package ui

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/ltibox/ltibox/server/model"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

// apiBase is the prefix of the JSON API the UI talks to.
const apiBase = "/api/v1"

// client is the typed client of the ltibox JSON API. In the browser it calls
// window.fetch through go-app's JS bridge; net/http would add ~5 MB to the
// wasm. It sends the launch token as a bearer token and turns every failure
// into a *model.Error whose Message is safe to show.
//
// It compiles natively so the server can prerender the pages, but there it
// never reaches the network: every call returns errServerSide.
type client struct {
	token string
}

// newClient returns a client that authenticates with the launch token.
func newClient(token string) *client {
	return &client{token: token}
}

// Session returns the launch as the SPA sees it: GET /api/v1/session.
func (c *client) Session(ctx context.Context) (model.Session, error) {
	var s model.Session
	err := c.do(ctx, "GET", "/session", nil, &s)
	return s, err
}

var (
	errServerSide = model.Errorf(model.EINTERNAL, "The API can only be called from the browser.")
	errNetwork    = model.Errorf(model.EUNAVAILABLE, "Could not reach ltibox. Check your connection and try again.")
	errBadReply   = model.Errorf(model.EINTERNAL, "ltibox sent a reply this page could not read. Try again.")
)

// do sends one request with the launch's bearer token (see doJSON).
func (c *client) do(ctx context.Context, method, path string, in, out any) error {
	headers := map[string]any{}
	if c.token != "" {
		headers["Authorization"] = "Bearer " + c.token
	}
	return doJSON(ctx, method, apiBase+path, headers, in, out)
}

// doJSON sends one request through window.fetch: in (if not nil) is sent as
// JSON, and a 2xx reply body is decoded into out (if not nil). Both the
// launch client and the admin console client use it.
func doJSON(ctx context.Context, method, url string, headers map[string]any, in, out any) error {
	if app.IsServer {
		return errServerSide
	}
	headers["Accept"] = "application/json"
	var body string
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return model.Errorf(model.EINVALID, "This request could not be prepared.")
		}
		body = string(b)
		headers["Content-Type"] = "application/json"
	}
	status, text, err := fetchText(ctx, method, url, headers, body)
	if err != nil {
		return err
	}
	if status < 200 || status > 299 {
		return replyError(status, text)
	}
	if out == nil || status == 204 || text == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(text), out); err != nil {
		return errBadReply
	}
	return nil
}

// replyError turns a non-2xx reply into a *model.Error: the server's
// {"error":{"code","message"}} when the body has one, otherwise a message
// chosen by status.
func replyError(status int, body string) error {
	var env struct {
		Error *model.Error `json:"error"`
	}
	if json.Unmarshal([]byte(body), &env) == nil && env.Error != nil && env.Error.Message != "" {
		if env.Error.Code == "" {
			env.Error.Code = statusCode(status)
		}
		return env.Error
	}
	code := statusCode(status)
	var msg string
	switch code {
	case model.EUNAUTHORIZED:
		msg = "Your session is not valid."
	case model.EFORBIDDEN:
		msg = "You are not allowed to do this."
	case model.ENOTFOUND:
		msg = fmt.Sprintf("Not found (HTTP %d).", status)
	case model.EUNAVAILABLE:
		msg = "ltibox is unavailable right now. Try again in a moment."
	case model.EINVALID, model.ECONFLICT, model.ETOOLARGE:
		msg = fmt.Sprintf("The request was refused (HTTP %d).", status)
	default:
		msg = fmt.Sprintf("Something went wrong on the server (HTTP %d).", status)
	}
	return model.Errorf(code, "%s", msg)
}

// statusCode maps an HTTP status back to a model error code, the inverse of
// the server's table, for replies that carry no error body.
func statusCode(status int) string {
	switch status {
	case 400, 422:
		return model.EINVALID
	case 401:
		return model.EUNAUTHORIZED
	case 403:
		return model.EFORBIDDEN
	case 404, 410:
		return model.ENOTFOUND
	case 409:
		return model.ECONFLICT
	case 413:
		return model.ETOOLARGE
	case 429, 502, 503, 504:
		return model.EUNAVAILABLE
	}
	return model.EINTERNAL
}

// fetchText runs window.fetch and waits for the status and body text. The
// Promise callbacks run on the JS event loop, so they only hand results to
// this goroutine through a buffered channel. ctx cancellation aborts the
// request. Call it from ctx.Async or an action handler, never from the UI
// goroutine.
func fetchText(ctx context.Context, method, url string, headers map[string]any, body string) (int, string, error) {
	type result struct {
		status int
		text   string
		err    error
	}
	done := make(chan result, 1)
	send := func(r result) {
		select {
		case done <- r:
		default: // a result was already delivered
		}
	}

	var status int
	onText := app.FuncOf(func(this app.Value, args []app.Value) any {
		text := ""
		if len(args) > 0 {
			text = args[0].String()
		}
		send(result{status: status, text: text})
		return nil
	})
	onError := app.FuncOf(func(this app.Value, args []app.Value) any {
		send(result{err: errNetwork})
		return nil
	})
	onResponse := app.FuncOf(func(this app.Value, args []app.Value) any {
		if len(args) == 0 {
			send(result{err: errNetwork})
			return nil
		}
		status = args[0].Get("status").Int()
		args[0].Call("text").Call("then", onText, onError)
		return nil
	})
	defer onResponse.Release()
	defer onText.Release()
	defer onError.Release()

	opts := map[string]any{
		"method":      method,
		"headers":     headers,
		"credentials": "same-origin",
		"cache":       "no-store",
	}
	if body != "" {
		opts["body"] = body
	}
	var abort app.Value
	if ctrl := app.Window().Get("AbortController"); ctrl.Truthy() {
		abort = ctrl.New()
		opts["signal"] = abort.Get("signal")
	}

	app.Window().Call("fetch", url, opts).Call("then", onResponse, onError)

	select {
	case r := <-done:
		return r.status, r.text, r.err
	case <-ctx.Done():
		if abort != nil {
			abort.Call("abort")
		}
		// Wait for the rejection so the callbacks are not released while
		// JS may still call them.
		<-done
		return 0, "", model.Errorf(model.EUNAVAILABLE, "The request was cancelled.")
	}
}
