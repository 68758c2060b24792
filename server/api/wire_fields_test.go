package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
)

// The helpers of the wire-contract test (wire_contract_test.go). The UI reads
// answers with a plain json.Unmarshal, which drops what it does not know and
// leaves what was not sent at its zero value: both end as blanks on a page,
// never as an error. So the test decodes strictly (a field the UI type lacks
// fails) and then lists the UI type's fields the answer left empty (a field
// the server does not send, or sends empty, fails unless the row says why).

// decodeStrict decodes one JSON value into into, refusing any field into's
// type does not declare and anything after the value.
func decodeStrict(body []byte, into any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(into); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more data after the JSON value")
	}
	return nil
}

// unfilledFields returns the JSON paths of t that body leaves empty, sorted:
// "user.name", "rows[].score.delivery.error", "counts{}". A path is filled
// when some value at it (in any element of a list) is sent and not the zero
// value of its Go type; a bool counts as filled once it is sent, since false
// is an answer too.
func unfilledFields(t reflect.Type, body []byte) ([]string, error) {
	var raw any
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, err
	}
	filled := map[string]bool{}
	if err := fillPaths(t, raw, "", filled); err != nil {
		return nil, err
	}
	var out []string
	for _, p := range fieldPaths(t, "") {
		if !filled[p] {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out, nil
}

var jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()

// wireLeaf reports whether t is one JSON value to the UI: a scalar, a type
// that decodes itself (time.Time), or an untyped value (map[string]any's any).
func wireLeaf(t reflect.Type) bool {
	if reflect.PointerTo(t).Implements(jsonUnmarshaler) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Slice, reflect.Array, reflect.Map, reflect.Pointer:
		return false
	}
	return true
}

// wireFields calls f for every field of struct t that JSON encodes, with its name.
func wireFields(t reflect.Type, f func(name string, ft reflect.Type)) {
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		f(name, sf.Type)
	}
}

func joinPath(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// fieldPaths lists every leaf path of t (see unfilledFields).
func fieldPaths(t reflect.Type, prefix string) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case wireLeaf(t):
		return []string{prefix}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return fieldPaths(t.Elem(), prefix+"[]")
	case t.Kind() == reflect.Map:
		return fieldPaths(t.Elem(), prefix+"{}")
	}
	var out []string
	wireFields(t, func(name string, ft reflect.Type) {
		out = append(out, fieldPaths(ft, joinPath(prefix, name))...)
	})
	return out
}

// fillPaths marks in filled the leaf paths of t that v, the decoded JSON, fills.
func fillPaths(t reflect.Type, v any, prefix string, filled map[string]bool) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v == nil {
		return nil // null or not sent
	}
	switch {
	case wireLeaf(t):
		if t.Kind() == reflect.Bool || t.Kind() == reflect.Interface {
			filled[prefix] = true
			return nil
		}
		b, _ := json.Marshal(v)
		leaf := reflect.New(t)
		if err := json.Unmarshal(b, leaf.Interface()); err != nil {
			return fmt.Errorf("%s: %w", prefix, err)
		}
		if !leaf.Elem().IsZero() {
			filled[prefix] = true
		}
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		list, _ := v.([]any)
		for _, e := range list {
			if err := fillPaths(t.Elem(), e, prefix+"[]", filled); err != nil {
				return err
			}
		}
	case t.Kind() == reflect.Map:
		m, _ := v.(map[string]any)
		for _, e := range m {
			if err := fillPaths(t.Elem(), e, prefix+"{}", filled); err != nil {
				return err
			}
		}
	default:
		m, _ := v.(map[string]any)
		var err error
		wireFields(t, func(name string, ft reflect.Type) {
			if e, ok := m[name]; ok && err == nil {
				err = fillPaths(ft, e, joinPath(prefix, name), filled)
			}
		})
		return err
	}
	return nil
}
