package ltitest

import (
	"html/template"
	"net"
	"net/http"
	"net/url"
)

// Platform storage (1EdTech "LTI Client Side postMessages" and "postMessage
// Storage", v0.1): the LMS page answers lti.capabilities, and a storage frame
// (or the page itself, for target "_parent") keeps values per tool origin for
// lti.put_data / lti.get_data. Like Canvas and Brightspace, the data lives in
// the LMS page's memory, so it outlives the tool frame's navigations but not
// the page. It answers only the origin that stored a value, and refuses
// malformed messages with the spec's error shape.

// Storage faults a test can inject (SetStorageFault); "" behaves. StorageSilent
// hits lti.put_data and lti.get_data (a platform that never answers); the others
// hit lti.get_data only, so the login's put works and the launch's read fails.
const (
	StorageSilent        = "silent"           // never answers put or get
	StorageWrongID       = "wrong-message-id" // answers with another message_id
	StorageWrongValue    = "wrong-value"      // returns another login's value
	StorageError         = "error"            // answers with an error
	StorageForeignOrigin = "foreign-origin"   // the answer comes from a frame on another origin
)

// storageTarget is the lti_storage_target the login initiation carries, or "".
func (p *Platform) storageTarget() string { return p.opts.StorageTarget }

// SetStorageFault makes the storage misbehave from the next page load on.
func (p *Platform) SetStorageFault(mode string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.storageFault = mode
}

func (p *Platform) storageFaultMode() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.storageFault
}

// storageFrameURL is where the page loads the named storage frame from: the
// platform's own origin (its OIDC auth origin) unless StorageFrameHost says otherwise.
func (p *Platform) storageFrameURL(role string) string {
	origin := p.origin()
	if h := p.opts.StorageFrameHost; h != "" {
		if port := p.base.Port(); port != "" {
			h = net.JoinHostPort(h, port)
		}
		origin = p.base.Scheme + "://" + h
	}
	return origin + p.base.Path + "/storage-frame?role=" + url.QueryEscape(role)
}

// relayOrigin is a second origin of this same server (127.0.0.1 vs localhost),
// used to play a frame of another site for the foreign-origin fault.
func (p *Platform) relayOrigin() string {
	host, port := p.base.Hostname(), p.base.Port()
	other := "127.0.0.1"
	if host == "127.0.0.1" {
		other = "localhost"
	}
	if port != "" {
		other += ":" + port
	}
	return p.base.Scheme + "://" + other
}

// storageScript is the page's configuration for platform-storage.js.
type storageScript struct {
	Src, Role, Frame, Prefix, Fault, Relay, ToolFrame string
}

func (p *Platform) storageScriptFor(role string) storageScript {
	frame := p.storageTarget()
	relay := ""
	if p.storageFaultMode() == StorageForeignOrigin {
		relay = p.relayOrigin() + p.base.Path + "/storage-frame?role=relay"
	}
	return storageScript{Src: p.base.Path + "/platform-storage.js", Role: role, Frame: frame, Prefix: p.opts.StorageSubjectPrefix,
		Fault: p.storageFaultMode(), Relay: relay, ToolFrame: "tool"}
}

var storageFramePage = template.Must(template.New("storage").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LMS storage</title></head>
<body>{{with .Script}}<script src="{{.Src}}" data-role="{{.Role}}" data-frame="{{.Frame}}" data-prefix="{{.Prefix}}" data-fault="{{.Fault}}" data-relay="{{.Relay}}" data-tool-frame="{{.ToolFrame}}"></script>{{end}}
{{if .Relay}}<iframe name="relay" title="relay" src="{{.Relay}}" hidden></iframe>{{end}}</body></html>
`))

// handleStorageFrame serves the named storage frame (and the relay frame of the foreign-origin fault).
func (p *Platform) handleStorageFrame(w http.ResponseWriter, r *http.Request) {
	role := r.URL.Query().Get("role")
	if role != "frame" && role != "relay" {
		writeHTMLError(w, http.StatusBadRequest, "Unknown storage frame role.")
		return
	}
	sc := p.storageScriptFor(role)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	relay := ""
	if role == "frame" {
		relay = sc.Relay
	}
	storageFramePage.Execute(w, map[string]any{"Script": sc, "Relay": relay})
}

// platformStorageJS is the platform side of the storage messages.
const platformStorageJS = `"use strict";
(function () {
  var cfg = document.currentScript.dataset;
  var role = cfg.role, prefix = cfg.prefix || "", fault = cfg.fault || "";
  var store = {}; // tool origin -> key -> value
  function plain(subject) {
    if (typeof subject !== "string") { return ""; }
    if (prefix) { return subject.indexOf(prefix) === 0 ? subject.slice(prefix.length) : ""; }
    return subject;
  }
  if (role === "relay") {
    // A frame of another site that answers in the storage frame's place.
    window.addEventListener("message", function (event) {
      var target = window.parent.parent.frames[cfg.toolFrame];
      if (target && event.data && event.data.relay) { target.postMessage(event.data.relay, "*"); }
    });
    return;
  }
  var answersStorage = role === "frame" || cfg.frame === "_parent";
  window.addEventListener("message", function (event) {
    var d = event.data;
    if (!d || typeof d !== "object") { return; }
    var subject = plain(d.subject);
    if (!subject || subject.slice(-9) === ".response") { return; }
    var reply = { subject: d.subject + ".response", message_id: d.message_id };
    if (subject === "lti.capabilities" && role === "page") {
      reply.supported_messages = [
        { subject: prefix + "lti.capabilities" },
        { subject: prefix + "lti.put_data", frame: cfg.frame },
        { subject: prefix + "lti.get_data", frame: cfg.frame }
      ];
    } else if ((subject === "lti.put_data" || subject === "lti.get_data") && answersStorage) {
      var faulty = subject === "lti.get_data" || fault === "silent" ? fault : "";
      if (faulty === "silent") { return; }
      if (faulty === "wrong-message-id") { reply.message_id = String(d.message_id) + "-other"; }
      var mine = store[event.origin] || (store[event.origin] = {});
      if (!d.message_id || typeof d.key !== "string" || d.key === "") {
        reply.error = { code: "bad_request", message: "message_id and key are required" };
      } else if (faulty === "error") {
        reply.error = { code: "server_error", message: "storage is unavailable" };
      } else if (subject === "lti.put_data") {
        if (typeof d.value !== "string") {
          reply.error = { code: "bad_request", message: "value must be a string" };
        } else {
          mine[d.key] = d.value;
          reply.key = d.key; reply.value = d.value;
        }
      } else if (!Object.prototype.hasOwnProperty.call(mine, d.key)) {
        reply.error = { code: "bad_request", message: "There is no value stored for this key" };
      } else {
        reply.key = d.key;
        reply.value = faulty === "wrong-value" ? "value-of-another-login" : mine[d.key];
        if (faulty === "foreign-origin") {
          var relay = window.frames["relay"];
          if (relay) { relay.postMessage({ relay: reply }, "*"); }
          return;
        }
      }
    } else if (subject === "lti.capabilities" || subject === "lti.put_data" || subject === "lti.get_data") {
      return; // another window of the platform answers this one
    } else {
      reply.error = { code: "unsupported_subject", message: "unsupported subject " + d.subject };
    }
    event.source.postMessage(reply, event.origin);
  });
})();
`

func handlePlatformStorageJS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write([]byte(platformStorageJS))
}
