package api_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The wire-contract test replays the UI's calls; this file reads them from
// the UI's client sources (ui/*client*.go), so a call the UI adds, moves or
// decodes into another type fails the test until the table follows.

// uiCall is one request in the UI's API clients.
type uiCall struct {
	client  string   // "adminClient.Platforms"
	method  string   // "GET"
	pattern string   // "/api/admin/platforms/:x/status"; ":x" is a value the UI fills in
	send    string   // Go type of the request body ("" for none)
	keys    []string // the keys of a map literal body, sorted
	into    string   // Go type the answer is decoded into ("" when the UI reads no JSON)
	pos     string   // file:line, for messages
}

// clientBase is the path each UI client's do method puts before its paths.
var clientBase = map[string]string{"client": "apiBase", "adminClient": "adminAPIBase"}

// uiClientCalls parses the UI's client files and returns every c.do and
// fetchText call in a method of client or adminClient.
func uiClientCalls(t *testing.T) []uiCall {
	t.Helper()
	files, err := filepath.Glob("../../ui/*client*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no UI client files: %v", err)
	}
	fset := token.NewFileSet()
	var parsed []*ast.File
	consts := map[string]string{}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		parsed = append(parsed, f)
		for _, d := range f.Decls {
			if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.CONST {
				for _, s := range g.Specs {
					vs := s.(*ast.ValueSpec)
					for i, n := range vs.Names {
						if i < len(vs.Values) {
							if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
								consts[n.Name], _ = strconv.Unquote(lit.Value)
							}
						}
					}
				}
			}
		}
	}
	var out []uiCall
	for _, f := range parsed {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Recv == nil || fn.Body == nil {
				continue
			}
			recv := typeString(fset, fn.Recv.List[0].Type)
			recv = strings.TrimPrefix(recv, "*")
			if _, ok := clientBase[recv]; !ok || fn.Name.Name == "do" {
				continue
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				c := uiCall{client: recv + "." + fn.Name.Name, pos: fset.Position(call.Pos()).String()}
				switch {
				case isSelector(call.Fun, "c", "do") && len(call.Args) == 5:
					c.pattern = consts[clientBase[recv]] + pathPattern(fset, fn, call.Args[2], consts)
					c.send, c.keys = bodyOf(fset, fn, call.Args[3])
					c.into = varType(fset, fn, call.Args[4])
				case isIdent(call.Fun, "fetchText") && len(call.Args) == 5:
					c.pattern = pathPattern(fset, fn, call.Args[2], consts)
				default:
					return true
				}
				c.method, _ = strconv.Unquote(call.Args[1].(*ast.BasicLit).Value)
				out = append(out, c)
				return true
			})
		}
	}
	return out
}

func isSelector(e ast.Expr, x, sel string) bool {
	s, ok := e.(*ast.SelectorExpr)
	return ok && isIdent(s.X, x) && s.Sel.Name == sel
}

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func typeString(fset *token.FileSet, e ast.Expr) string {
	var b bytes.Buffer
	_ = printer.Fprint(&b, fset, e)
	return b.String()
}

var verbRE = regexp.MustCompile(`%[a-z]`)

// pathPattern renders a path expression with every value the UI computes
// as ":x": "/platforms/"+strconv.FormatInt(id, 10) is "/platforms/:x".
func pathPattern(fset *token.FileSet, fn *ast.FuncDecl, e ast.Expr, consts map[string]string) string {
	switch e := e.(type) {
	case *ast.BasicLit:
		s, _ := strconv.Unquote(e.Value)
		return s
	case *ast.BinaryExpr:
		return pathPattern(fset, fn, e.X, consts) + pathPattern(fset, fn, e.Y, consts)
	case *ast.Ident:
		if v, ok := consts[e.Name]; ok {
			return v
		}
		if init := localInit(fn, e.Name); init != nil {
			return pathPattern(fset, fn, init, consts)
		}
	case *ast.CallExpr:
		if isSelector(e.Fun, "fmt", "Sprintf") {
			return verbRE.ReplaceAllString(pathPattern(fset, fn, e.Args[0], consts), ":x")
		}
	}
	return ":x"
}

// localInit is the value name is declared with in fn (name := value).
func localInit(fn *ast.FuncDecl, name string) ast.Expr {
	var init ast.Expr
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if as, ok := n.(*ast.AssignStmt); ok && as.Tok == token.DEFINE && init == nil {
			for i, l := range as.Lhs {
				if isIdent(l, name) && i < len(as.Rhs) {
					init = as.Rhs[i]
				}
			}
		}
		return init == nil
	})
	return init
}

// bodyOf is the Go type of a request body expression and, for a map
// literal, its keys.
func bodyOf(fset *token.FileSet, fn *ast.FuncDecl, e ast.Expr) (string, []string) {
	switch e := e.(type) {
	case *ast.Ident:
		if e.Name == "nil" {
			return "", nil
		}
		return declaredType(fset, fn, e.Name), nil
	case *ast.CompositeLit:
		var keys []string
		if _, isMap := e.Type.(*ast.MapType); isMap {
			for _, el := range e.Elts {
				if lit, ok := el.(*ast.KeyValueExpr).Key.(*ast.BasicLit); ok {
					k, _ := strconv.Unquote(lit.Value)
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
		}
		return typeString(fset, e.Type), keys
	}
	return typeString(fset, e), nil
}

// varType is the type of &name in fn, or "" for nil.
func varType(fset *token.FileSet, fn *ast.FuncDecl, e ast.Expr) string {
	u, ok := e.(*ast.UnaryExpr)
	if !ok || u.Op != token.AND {
		return ""
	}
	return declaredType(fset, fn, u.X.(*ast.Ident).Name)
}

// declaredType finds name among fn's parameters, named results and var
// declarations and returns its type as written.
func declaredType(fset *token.FileSet, fn *ast.FuncDecl, name string) string {
	fields := slices.Clone(fn.Type.Params.List)
	if fn.Type.Results != nil {
		fields = append(fields, fn.Type.Results.List...)
	}
	for _, f := range fields {
		for _, n := range f.Names {
			if n.Name == name {
				return typeString(fset, f.Type)
			}
		}
	}
	typ := ""
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && vs.Type != nil {
			for _, n := range vs.Names {
				if n.Name == name {
					typ = typeString(fset, vs.Type)
				}
			}
		}
		return typ == ""
	})
	return typ
}

// matchesPattern reports whether a request path (query left out) is one
// the pattern describes.
func matchesPattern(pattern, path string) bool {
	path, _, _ = strings.Cut(path, "?")
	ps, ss := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(ss) {
		return false
	}
	for i := range ps {
		if ps[i] != ":x" && ps[i] != ss[i] {
			return false
		}
	}
	return true
}

// typeName is a Go value's type as the UI source writes it ("" for nil).
func typeName(v any) string {
	if v == nil {
		return ""
	}
	t := reflect.TypeOf(v)
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.String()
}

// mapKeys are the keys of a map body, sorted (nil for other bodies).
func mapKeys(v any) []string {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Map {
		return nil
	}
	var keys []string
	for _, k := range rv.MapKeys() {
		keys = append(keys, k.String())
	}
	slices.Sort(keys)
	return keys
}
