// Command wasm is the browser entry point of the ltibox UI, built with
// GOOS=js GOARCH=wasm by `make wasm` into assets/web/app.wasm.{gz,br}.
package main

import (
	"github.com/ltibox/ltibox/ui"
	"github.com/maxence-charriere/go-app/v10/pkg/app"
)

func main() {
	ui.Register()
	app.RunWhenOnBrowser()
}
