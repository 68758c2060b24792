// Package ltibox holds the files the server embeds: the built WebAssembly UI
// (assets/web/app.wasm.gz and app.wasm.br, written by `make wasm`), app.css and
// the icons. The server serves them at /web/<version>/ (see server/api/web.go).
//
// Never import this package from ui/ or anything ui/ imports. The wasm binary
// is built from ui/, so it would embed a copy of itself (a previous build of
// app.wasm) and grow with every build; the native server would also pull the
// wasm bytes into packages that only need the components. Only server-side
// packages (server/, server/api) may import it.
package ltibox

import "embed"

// Assets is the assets/ tree. Use fs.Sub(Assets, "assets") so "web/app.css" resolves.
//
//go:embed all:assets
var Assets embed.FS
