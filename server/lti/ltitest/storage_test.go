package ltitest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/ltibox/ltibox/server/lti/ltitest"
)

func storagePlatform(t *testing.T, opts ltitest.Options) *ltitest.Platform {
	t.Helper()
	p := ltitest.NewServer(t, opts)
	p.RegisterTool(ltitest.ToolConfig{ClientID: "tool-1", LoginURL: "http://127.0.0.1:1/lti/login",
		RedirectURIs: []string{"http://127.0.0.1:1/lti/launch"}, TargetLinkURI: "http://127.0.0.1:1/lti/launch"})
	return p
}

func TestStorage_LoginCarriesTarget(t *testing.T) {
	if f := storagePlatform(t, ltitest.Options{}).LoginForm(ltitest.LaunchSpec{}); f.Has("lti_storage_target") {
		t.Errorf("a platform without storage sends lti_storage_target=%q (Moodle sends none)", f.Get("lti_storage_target"))
	}
	p := storagePlatform(t, ltitest.Options{StorageTarget: "post_message_forwarding"})
	if got := p.LoginForm(ltitest.LaunchSpec{}).Get("lti_storage_target"); got != "post_message_forwarding" {
		t.Errorf("lti_storage_target = %q", got)
	}
	// The demo's start page forwards it in the login initiation.
	status, page := getPage(t, http.DefaultClient, "POST", p.Issuer()+"/start", map[string][]string{"user": {"student"}})
	if status != 200 || !strings.Contains(page, `name="lti_storage_target" value="post_message_forwarding"`) {
		t.Errorf("start page (%d) does not forward lti_storage_target: %s", status, page)
	}
}

func TestStorage_PagesServeTheStorage(t *testing.T) {
	t.Run("named frame", func(t *testing.T) {
		p := storagePlatform(t, ltitest.Options{StorageTarget: "post_message_forwarding", Hostname: "localhost"})
		_, page := getPage(t, http.DefaultClient, "GET", p.Issuer()+"/", nil)
		frame := `<iframe name="post_message_forwarding" title="LMS storage" src="` + p.Issuer() + `/storage-frame?role=frame" hidden></iframe>`
		if !strings.Contains(page, frame) || !strings.Contains(page, `data-role="page"`) {
			t.Errorf("course page lacks the storage frame or the capabilities script:\n%s", page)
		}
		status, fr := getPage(t, http.DefaultClient, "GET", p.Issuer()+"/storage-frame?role=frame", nil)
		if status != 200 || !strings.Contains(fr, `data-role="frame"`) || strings.Contains(fr, `<iframe name="relay"`) {
			t.Errorf("storage frame (%d):\n%s", status, fr)
		}
		// The foreign-origin fault puts a frame of another site in the storage frame.
		p.SetStorageFault(ltitest.StorageForeignOrigin)
		_, fr = getPage(t, http.DefaultClient, "GET", p.Issuer()+"/storage-frame?role=frame", nil)
		if !strings.Contains(fr, `<iframe name="relay" title="relay" src="http://127.0.0.1:`) {
			t.Errorf("foreign-origin fault: no relay frame on another origin:\n%s", fr)
		}
		if status, _ := getPage(t, http.DefaultClient, "GET", p.Issuer()+"/storage-frame?role=other", nil); status != http.StatusBadRequest {
			t.Errorf("unknown frame role: %d", status)
		}
	})
	t.Run("frame on another origin", func(t *testing.T) {
		p := storagePlatform(t, ltitest.Options{StorageTarget: "post_message_forwarding", Hostname: "localhost", StorageFrameHost: "127.0.0.1"})
		_, page := getPage(t, http.DefaultClient, "GET", p.Issuer()+"/", nil)
		want := `src="` + strings.Replace(p.Issuer(), "localhost", "127.0.0.1", 1) + `/storage-frame?role=frame"`
		if !strings.Contains(page, want) {
			t.Errorf("course page does not load the storage frame from %s:\n%s", want, page)
		}
	})
	t.Run("parent", func(t *testing.T) {
		p := storagePlatform(t, ltitest.Options{StorageTarget: "_parent", StorageSubjectPrefix: "org.imsglobal."})
		_, page := getPage(t, http.DefaultClient, "GET", p.Issuer()+"/", nil)
		if strings.Contains(page, "storage-frame") || !strings.Contains(page, `data-frame="_parent" data-prefix="org.imsglobal."`) {
			t.Errorf("_parent storage is the page itself:\n%s", page)
		}
	})
	t.Run("no storage", func(t *testing.T) {
		p := storagePlatform(t, ltitest.Options{})
		_, page := getPage(t, http.DefaultClient, "GET", p.Issuer()+"/", nil)
		if strings.Contains(page, "platform-storage.js") {
			t.Errorf("a platform without storage runs the storage script:\n%s", page)
		}
	})
	resp, err := http.Get(storagePlatform(t, ltitest.Options{}).Issuer() + "/platform-storage.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
		t.Errorf("platform-storage.js Content-Type %q", ct)
	}
}
