package api

import (
	"bytes"
	"fmt"
	"html"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"

	"github.com/ltibox/ltibox/server/model"
)

// markdown renders activity instructions on the server, so the wasm stays
// small and every client gets the same sanitized HTML. goldmark escapes raw
// HTML by default (no WithUnsafe); bluemonday's UGC policy still runs after it
// as the one place that decides what HTML may reach the page.
var (
	markdown  = goldmark.New(goldmark.WithExtensions(extension.GFM))
	sanitizer = bluemonday.UGCPolicy()
)

// maxPreview bounds the plain-text summary sent as a content item's text.
const maxPreview = 240

// renderInstructions returns the sanitized HTML of Markdown text.
func renderInstructions(src string) (string, error) {
	var buf bytes.Buffer
	if err := markdown.Convert([]byte(src), &buf); err != nil {
		return "", fmt.Errorf("render instructions: %w", err)
	}
	return sanitizer.Sanitize(buf.String()), nil
}

// withHTML fills InstructionsHTML of a copy of a for an API answer.
func withHTML(a *model.Activity) (*model.Activity, error) {
	out := *a
	h, err := renderInstructions(a.Instructions)
	if err != nil {
		return nil, err
	}
	out.InstructionsHTML = h
	return &out, nil
}

// plainSummary is a short plain-text description for a content item's text:
// the rendered instructions with every tag stripped, whitespace collapsed.
func plainSummary(a *model.Activity) string {
	h, err := renderInstructions(a.Instructions)
	if err != nil {
		return ""
	}
	text := bluemonday.StrictPolicy().Sanitize(h)
	out := make([]rune, 0, maxPreview)
	space := false
	for _, r := range html.UnescapeString(text) {
		if r == '\n' || r == '\t' || r == ' ' || r == '\r' {
			space = len(out) > 0
			continue
		}
		if space {
			out = append(out, ' ')
			space = false
		}
		out = append(out, r)
		if len(out) >= maxPreview {
			out = append(out, '…')
			break
		}
	}
	return string(out)
}
