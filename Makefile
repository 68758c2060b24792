# ltibox — two commands matter: `make run` and `make test`.
GO       ?= go
BROTLI_Q ?= 9
WASM_RAW := bin/app.wasm
WEB      := assets/web
ADDR     ?= :8080
FUZZTIME ?= 60s

.PHONY: all build wasm run test vet fmt-check bench loadrun fuzz clean

all: build

# The UI: go-app compiled to WebAssembly. Only the compressed twins are embedded
# (the server gunzips for the rare client that accepts neither encoding).
wasm:
	@mkdir -p bin $(WEB)
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags='-s -w' -o $(WASM_RAW) ./ui/wasm
	gzip -9 -c $(WASM_RAW) > $(WEB)/app.wasm.gz
	@if command -v brotli >/dev/null; then brotli -q $(BROTLI_Q) -f -o $(WEB)/app.wasm.br $(WASM_RAW); else echo "brotli not installed: shipping gzip only"; rm -f $(WEB)/app.wasm.br; fi

# Release builds compress the UI harder (brotli q11: ~12% smaller, ~1 min).
build: BROTLI_Q = 11
build: wasm
	$(GO) build -trimpath -o bin/ltibox ./server

run: build
	./bin/ltibox serve --demo --addr $(ADDR) --data ./data

fmt-check:
	@out=$$(gofmt -l server ui sqlite embed.go); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./ui/... ./server/model/...

test: fmt-check wasm vet
	$(GO) test -race -count=1 -timeout 40m ./...

# Go benchmarks, then the load run: ltibox as its own process, the emulator in
# the load generator, full login → launch flows at 1, 16 and 64 browsers.
bench: build
	$(GO) test -run '^$$' -bench . -benchtime 2s ./...
	$(GO) run ./server/loadrun --bin bin/ltibox --n 2000 --conc 1,16,64

# Fuzzing beyond the seeds `make test` runs, FUZZTIME per target: signed
# launches whose claims carry odd types and values, and odd bodies to the
# session API's writes, must get an answer for people, never a 500.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzLaunchClaim$$' -fuzztime $(FUZZTIME) ./server/api/
	$(GO) test -run '^$$' -fuzz '^FuzzSessionAPIBody$$' -fuzztime $(FUZZTIME) ./server/api/

loadrun: build
	$(GO) run ./server/loadrun --bin bin/ltibox --n 2000 --conc 1,16,64

clean:
	rm -rf bin $(WEB)/app.wasm.gz $(WEB)/app.wasm.br
