package ltitest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
)

// DeepLinkSettings configures the deep_linking_settings claim of a
// LtiDeepLinkingRequest (LaunchSpec.DeepLinking). Fields are sent as given:
// the zero value offers nothing but an empty accept list, so start from
// MoodleDeepLinking() when only one knob matters.
type DeepLinkSettings struct {
	AcceptTypes                       []string
	AcceptPresentationDocumentTargets []string
	AcceptMultiple                    bool
	AcceptLineItem                    bool
	AutoCreate                        bool
	Title, Text                       string
	// Data is echoed back by the tool: nil omits the claim, a pointer to ""
	// sends an empty string (which must come back as "").
	Data *string
	// OmitReturnURL leaves deep_link_return_url out (a broken platform);
	// ReturnURL replaces the platform's own return endpoint.
	OmitReturnURL bool
	ReturnURL     string
}

// MoodleDeepLinking is what Moodle 4.5 sends: ltiResourceLink only, frame,
// iframe or window, several items, no line items, no data.
func MoodleDeepLinking() DeepLinkSettings {
	return DeepLinkSettings{
		AcceptTypes:                       []string{"ltiResourceLink"},
		AcceptPresentationDocumentTargets: []string{"frame", "iframe", "window"},
		AcceptMultiple:                    true,
		AutoCreate:                        true,
	}
}

// dlRequest is a deep-linking request the platform sent; its id travels in
// the return URL (as Moodle's course/id/sesskey do) so the response can be
// checked against what was offered.
type dlRequest struct {
	id           string
	clientID     string
	deploymentID string
	courseID     string
	settings     DeepLinkSettings
}

// Link is a resource link the platform created from a deep-linking response:
// what a teacher gets after saving the activity form.
type Link struct {
	ResourceLinkID string // the id later launches carry
	ClientID       string
	DeploymentID   string
	CourseID       string
	Title, Text    string
	URL            string            // the launch URL the tool gave
	Custom         map[string]string // sent back as the custom claim on launch
	Target         string            // "", "iframe" or "window"
	LineItem       *LineItem         // the gradebook column created for it, if any
}

// deepLinkSettingsClaim builds the claim for a launch and remembers the request.
func (p *Platform) deepLinkSettingsClaim(l launch) map[string]any {
	s := MoodleDeepLinking()
	if l.spec.DeepLinking != nil {
		s = *l.spec.DeepLinking
	}
	courseID := ""
	if l.course != nil {
		courseID = l.course.ID
	}
	p.mu.Lock()
	p.dlSeq++
	id := strconv.Itoa(p.dlSeq)
	if p.dlRequests == nil {
		p.dlRequests = map[string]*dlRequest{}
	}
	p.dlRequests[id] = &dlRequest{id: id, clientID: l.tool.ClientID, deploymentID: l.deploymentID, courseID: courseID, settings: s}
	if len(p.dlRequests) > maxPending { // requests never answered
		for k := range p.dlRequests {
			if n, _ := strconv.Atoi(k); n <= p.dlSeq-maxPending {
				delete(p.dlRequests, k)
			}
		}
	}
	p.mu.Unlock()

	c := map[string]any{
		"accept_types":                         nonNil(s.AcceptTypes),
		"accept_presentation_document_targets": nonNil(s.AcceptPresentationDocumentTargets),
		"accept_multiple":                      s.AcceptMultiple,
		"accept_lineitem":                      s.AcceptLineItem,
		"auto_create":                          s.AutoCreate,
	}
	switch {
	case s.OmitReturnURL:
	case s.ReturnURL != "":
		c["deep_link_return_url"] = s.ReturnURL
	default:
		c["deep_link_return_url"] = p.baseURL + "/deeplink/return?dl=" + id
	}
	if s.Title != "" {
		c["title"] = s.Title
	}
	if s.Text != "" {
		c["text"] = s.Text
	}
	if s.Data != nil {
		c["data"] = *s.Data
	}
	return c
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// checkAgainstRequest applies the offered settings to a verified response,
// the way a strict platform does: nothing is created from a response that
// breaks them.
func (p *Platform) checkAgainstRequest(req *dlRequest, resp *DeepLinkResponse) error {
	s := req.settings
	if resp.ClientID != req.clientID || resp.DeploymentID != req.deploymentID {
		return errors.New("response is for another tool or deployment than the request")
	}
	switch {
	case s.Data == nil && resp.Data != nil:
		return errors.New("data claim present although the request sent none")
	case s.Data != nil && resp.Data == nil:
		return errors.New("data claim missing: it must be echoed")
	case s.Data != nil && *resp.Data != *s.Data:
		return fmt.Errorf("data claim %q does not echo %q", *resp.Data, *s.Data)
	case len(resp.ContentItems) > 1 && !s.AcceptMultiple:
		return errors.New("several content items but accept_multiple is false")
	}
	for _, it := range resp.ContentItems {
		typ, _ := it["type"].(string)
		if !slices.Contains(s.AcceptTypes, typ) {
			return fmt.Errorf("content item type %q was not offered", typ)
		}
		if li, ok := it["lineItem"]; ok {
			if !s.AcceptLineItem {
				return errors.New("lineItem sent but accept_lineitem is false")
			}
			m, ok := li.(map[string]any)
			if max, _ := m["scoreMaximum"].(float64); !ok || !(max > 0) {
				return errors.New("lineItem.scoreMaximum must be a number above 0")
			}
		}
		tg := ""
		if _, ok := it["window"]; ok {
			tg = "window"
		} else if _, ok := it["iframe"]; ok {
			tg = "iframe"
		}
		if tg != "" && !slices.Contains(s.AcceptPresentationDocumentTargets, tg) {
			return fmt.Errorf("presentation target %q was not offered", tg)
		}
	}
	return nil
}

// createLinksLocked turns accepted ltiResourceLink items into links of the
// course, with a line item for each item that asks for one (as Moodle adds a
// gradebook column when a deep-linked item carries lineItem).
func (p *Platform) createLinksLocked(req *dlRequest, items []map[string]any) []Link {
	c := p.courses[req.courseID]
	var out []Link
	for _, it := range items {
		if typ, _ := it["type"].(string); typ != "ltiResourceLink" {
			continue
		}
		p.linkSeq++
		l := Link{ResourceLinkID: "dl-" + strconv.Itoa(p.linkSeq), ClientID: req.clientID, DeploymentID: req.deploymentID, CourseID: req.courseID}
		l.Title, _ = it["title"].(string)
		l.Text, _ = it["text"].(string)
		l.URL, _ = it["url"].(string)
		if l.Title == "" {
			l.Title = "Untitled link"
		}
		if _, ok := it["window"]; ok {
			l.Target = "window"
		} else if _, ok := it["iframe"]; ok {
			l.Target = "iframe"
		}
		if cm, ok := it["custom"].(map[string]any); ok {
			l.Custom = map[string]string{}
			for k, v := range cm {
				if s, ok := v.(string); ok {
					l.Custom[k] = s
				} else {
					l.Custom[k] = fmt.Sprint(v)
				}
			}
		}
		if c != nil {
			c.links[l.ResourceLinkID] = l.Title
			if m, ok := it["lineItem"].(map[string]any); ok {
				in := LineItem{ResourceLinkID: l.ResourceLinkID}
				in.ScoreMaximum, _ = m["scoreMaximum"].(float64)
				in.Label, _ = m["label"].(string)
				in.ResourceID, _ = m["resourceId"].(string)
				in.Tag, _ = m["tag"].(string)
				if in.Label == "" {
					in.Label = l.Title
				}
				li := p.addLineItemLocked(c, in, req.clientID)
				cp := li.LineItem
				l.LineItem = &cp
			}
		}
		p.links = append(p.links, l)
		out = append(out, l)
	}
	return out
}

// Links returns the resource links created by deep linking, oldest first.
func (p *Platform) Links() []Link {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Link, len(p.links))
	for i, l := range p.links {
		out[i] = cloneLink(l)
	}
	return out
}

func cloneLink(l Link) Link {
	if l.Custom != nil {
		m := make(map[string]string, len(l.Custom))
		for k, v := range l.Custom {
			m[k] = v
		}
		l.Custom = m
	}
	if l.LineItem != nil {
		li := *l.LineItem
		l.LineItem = &li
	}
	return l
}

// LinkLaunch returns the LaunchSpec of userID opening link i (0-based, in
// Links() order): its resource link id and title, its custom parameters, its
// URL as target_link_uri, and AGS with the link's line item when it has one.
func (p *Platform) LinkLaunch(i int, userID string) (LaunchSpec, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if i < 0 || i >= len(p.links) {
		return LaunchSpec{}, fmt.Errorf("link launch: no link %d (%d created)", i, len(p.links))
	}
	l := cloneLink(p.links[i])
	spec := LaunchSpec{
		ClientID: l.ClientID, DeploymentID: l.DeploymentID, UserID: userID, CourseID: l.CourseID,
		ResourceLinkID: l.ResourceLinkID, ResourceLinkTitle: l.Title, TargetLinkURI: l.URL, Custom: l.Custom,
		WithAGS: true, WithNRPS: true,
	}
	if l.LineItem != nil {
		spec.LineItemID = l.LineItem.ID[len(p.lineItemsURL(l.CourseID))+1:]
	}
	return spec, nil
}
