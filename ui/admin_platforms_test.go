package ui

import (
	"testing"

	"github.com/ltibox/ltibox/server/model"
)

func TestBindingSummary(t *testing.T) {
	for _, sc := range []struct {
		in   []model.LaunchBinding
		want string
	}{
		{nil, "no launches yet"},
		{[]model.LaunchBinding{{Binding: "cookie", Launches: 12}, {Binding: "storage", Launches: 3}, {Binding: "window", Launches: 1}}, "cookie 12 · platform storage 3 · new window 1"},
		{[]model.LaunchBinding{{Binding: "future", Launches: 2}}, "future 2"},
	} {
		if got := bindingSummary(sc.in); got != sc.want {
			t.Errorf("bindingSummary(%v) = %q, want %q", sc.in, got, sc.want)
		}
	}
}
