package api_test

import (
	"github.com/ltibox/ltibox/server/lti/ltitest"
	"io"
	"net/http"
	"testing"
)

func readBody(t testing.TB, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func instructorWithServices() ltitest.LaunchSpec {
	return ltitest.LaunchSpec{UserID: "instructor", WithAGS: true, WithNRPS: true}
}
