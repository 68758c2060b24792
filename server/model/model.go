// Package model holds the nouns of ltibox and the JSON wire types shared by the
// server and the WebAssembly UI. It imports only the standard library so that
// ui/ can depend on it without pulling server code into the wasm binary.
package model
