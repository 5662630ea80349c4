// Package archtest checks STYLE.md's import rules: which layer of which
// module may import what. It reads import lists only (go/parser), so it is
// fast and needs no build. Test files are exempt.
package archtest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Violation is one import that breaks a rule.
type Violation struct {
	File   string // path relative to the repository root
	Import string
	Rule   string
}

func (v Violation) String() string { return fmt.Sprintf("%s imports %s: %s", v.File, v.Import, v.Rule) }

// pkg says where a Go package sits in the layout.
type pkg struct {
	dir    string
	kind   string // "layer", "module", "platform", "app", "ops", "cmd", "other"
	module string // module name for "layer" and "module"
	layer  string // domain, application, api, infrastructure
}

var layers = []string{"domain", "application", "api", "infrastructure"}

// Check walks root's internal/ and cmd/ trees and returns every violation.
// module is the Go module path (e.g. github.com/agora-platform/agora).
func Check(root, module string) ([]Violation, error) {
	var out []Violation
	fset := token.NewFileSet()
	for _, top := range []string{"internal", "cmd"} {
		dir := filepath.Join(root, top)
		if _, err := os.Stat(dir); os.IsNotExist(err) {
			continue
		}
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			rel = filepath.ToSlash(rel)
			if strings.Contains(rel, "/testdata/") {
				return nil
			}
			f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
			if err != nil {
				return fmt.Errorf("parse %s: %w", rel, err)
			}
			from := classify(strings.TrimSuffix(rel, "/"+filepath.Base(rel)))
			for _, spec := range f.Imports {
				imp, _ := strconv.Unquote(spec.Path.Value)
				if rule := check(from, imp, module); rule != "" {
					out = append(out, Violation{File: rel, Import: imp, Rule: rule})
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].String() < out[j].String() })
	return out, nil
}

// classify places a package directory (relative to the repository root).
func classify(dir string) pkg {
	p := place(dir)
	p.dir = dir
	return p
}

func place(dir string) pkg {
	parts := strings.Split(dir, "/")
	switch {
	case parts[0] == "cmd":
		return pkg{kind: "cmd"}
	case len(parts) < 2 || parts[0] != "internal":
		return pkg{kind: "other"}
	case parts[1] == "platform":
		return pkg{kind: "platform"}
	case parts[1] == "app":
		return pkg{kind: "app"}
	case parts[1] == "ops":
		return pkg{kind: "ops"}
	case parts[1] == "archtest":
		return pkg{kind: "other"}
	case len(parts) == 2:
		return pkg{kind: "module", module: parts[1]}
	case slices.Contains(layers, parts[2]):
		return pkg{kind: "layer", module: parts[1], layer: parts[2]}
	}
	return pkg{kind: "module", module: parts[1]}
}

// allowedPureLibs are the only non-standard imports of domain and application.
var allowedPureLibs = []string{"github.com/google/uuid"}

// purePlatform are the platform packages domain and application may use:
// pure Go, no I/O. audit is here (beyond STYLE.md's errs and tenancy) so use
// cases can record audit events without a ten-line adapter in every module;
// txn is the one Transactor port and actor the one Caller that every
// module's use cases share; upload the vocabulary of stored files that
// attachments and knowledge share; prompt the format of passages in a
// prompt.
var purePlatform = []string{"errs", "tenancy", "audit", "txn", "actor", "upload", "prompt"}

// gatewayOwner is the module that owns the provider router: every other
// module reaches models through its application layer (the gateway).
const gatewayOwner = "models"

// pureForbiddenStd are standard packages that tie code to a transport or store.
var pureForbiddenStd = []string{"net/http", "database/sql"}

// storeLibs are the storage libraries only infrastructure may use.
var storeLibs = []string{"github.com/uptrace/bun", "github.com/redis/go-redis", "database/sql"}

// check returns the rule that importing imp from `from` breaks, or "".
func check(from pkg, imp, module string) string {
	internal := module + "/internal/"
	var to pkg
	isInternal := strings.HasPrefix(imp, internal)
	if isInternal {
		to = classify("internal/" + strings.TrimPrefix(imp, internal))
	}
	isStd := !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".")

	if isInternal && to.kind == "app" && from.kind != "cmd" && from.kind != "app" {
		return "internal/app is imported only by cmd/* and tests"
	}
	if isInternal && to.kind == "module" && from.kind != "app" && from.module != to.module {
		return "a module's wiring package is imported only by internal/app"
	}
	if isInternal && hasPathPrefix(imp, platformPath(imp, "ai")) && from.module != gatewayOwner && from.kind != "app" &&
		!(from.kind == "platform" && from.dir == "internal/platform/ai") {
		return "the provider router is the models module's: reach models through models/application (the gateway)"
	}
	if isInternal && to.kind == "ops" && from.kind != "cmd" && from.kind != "app" && from.kind != "ops" {
		return "internal/ops is imported only by internal/app and cmd/*"
	}
	switch from.kind {
	case "cmd":
		if isInternal && (to.kind == "layer" || to.kind == "module") {
			return "cmd/* reaches modules only through internal/app"
		}
	case "ops":
		switch {
		case isInternal && to.kind == "layer" && to.layer != "application" && to.layer != "domain":
			return "internal/ops reaches modules only through their application and domain layers"
		case isStoreLib(imp):
			return "internal/ops must not use storage libraries: it goes through application services"
		}
	case "platform":
		if isInternal && (to.kind == "layer" || to.kind == "module" || to.kind == "app") {
			return "platform packages must not import modules"
		}
	case "module":
		if isInternal && to.module != "" && to.module != from.module {
			return "a module must not import another module"
		}
	case "layer":
		return checkLayer(from, to, imp, isInternal, isStd)
	}
	return ""
}

func checkLayer(from, to pkg, imp string, isInternal, isStd bool) string {
	sameModule := isInternal && to.module == from.module
	otherModule := isInternal && to.module != "" && to.module != from.module
	switch from.layer {
	case "domain", "application":
		if isStd {
			if slices.Contains(pureForbiddenStd, imp) {
				return from.layer + " must stay pure Go: no " + imp
			}
			return ""
		}
		if isInternal {
			switch {
			case to.kind == "platform" && slices.Contains(purePlatform, strings.TrimPrefix(imp, platformPath(imp, ""))):
				return ""
			case from.layer == "application" && sameModule && to.layer == "domain":
				return ""
			}
			return from.layer + " may import only its own inner layers and platform/{errs,tenancy,audit,txn,actor}"
		}
		if slices.ContainsFunc(allowedPureLibs, func(l string) bool { return hasPathPrefix(imp, l) }) {
			return ""
		}
		return from.layer + " must not import the library " + imp
	case "api":
		switch {
		case otherModule:
			return "api must not import other modules"
		case sameModule && to.layer == "infrastructure":
			return "api must not import its own infrastructure"
		case isStoreLib(imp):
			return "api must not use storage libraries"
		}
	case "infrastructure":
		switch {
		case sameModule && to.layer == "api":
			return "infrastructure must not import its own api"
		case otherModule && to.layer != "application":
			return "infrastructure may use another module only through its application layer"
		}
	}
	return ""
}

func isStoreLib(imp string) bool {
	return slices.ContainsFunc(storeLibs, func(l string) bool { return hasPathPrefix(imp, l) })
}

func hasPathPrefix(imp, prefix string) bool {
	return imp == prefix || strings.HasPrefix(imp, prefix+"/")
}

// platformPath returns the import path of platform package name within the
// module that imp belongs to.
func platformPath(imp, name string) string {
	i := strings.Index(imp, "/internal/platform/")
	if i < 0 {
		return ""
	}
	return imp[:i] + "/internal/platform/" + name
}

// linkShim is the rule a late-binding link in the composition root breaks.
const linkShim = "internal/app builds each module after the ones it needs: no link types, no setters that connect a module built later"

// CheckLinks returns the link shims in root's internal/app: a links.go, a
// type named like a link (fooLink), or a call of a Set… method on a
// module's service (the setter a link shim fills in later).
func CheckLinks(root string) ([]Violation, error) {
	dir := filepath.Join(root, "internal", "app")
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Violation
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		rel := "internal/app/" + name
		if name == "links.go" {
			out = append(out, Violation{File: rel, Import: "links.go", Rule: linkShim})
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", rel, err)
		}
		out = append(out, links(f, rel)...)
	}
	return out, nil
}

// links finds link types and module-service setters in one file.
func links(f *ast.File, rel string) []Violation {
	var out []Violation
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.TypeSpec:
			if strings.HasSuffix(strings.ToLower(n.Name.Name), "link") {
				out = append(out, Violation{File: rel, Import: "type " + n.Name.Name, Rule: linkShim})
			}
		case *ast.CallExpr:
			sel, ok := n.Fun.(*ast.SelectorExpr)
			if !ok || !isSetter(sel.Sel.Name) {
				return true
			}
			if recv, ok := sel.X.(*ast.SelectorExpr); ok && recv.Sel.Name == "Service" {
				out = append(out, Violation{File: rel, Import: "call " + sel.Sel.Name, Rule: linkShim})
			}
		}
		return true
	})
	return out
}

// isSetter reports whether a method name is Set followed by a word.
func isSetter(name string) bool {
	return len(name) > 3 && strings.HasPrefix(name, "Set") && unicode.IsUpper(rune(name[3]))
}
