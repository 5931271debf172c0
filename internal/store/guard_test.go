package store_test

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gotong/gotong/internal/errs"
	"github.com/gotong/gotong/internal/store"
	"github.com/gotong/gotong/internal/storetest"
)

type probeKey struct{}

func TestTheReadPoolRefusesAWriteTransactionsContext(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		outer := context.Background()
		err := db.Write(outer, func(ctx context.Context, tx *store.Tx) error {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT 1`).Scan(&n); err != nil || n != 1 {
				t.Errorf("a read through the transaction: %d, %v", n, err)
			}
			if err := db.R().QueryRowContext(ctx, `SELECT 1`).Scan(&n); !errors.Is(err, store.ErrReadInWrite) {
				t.Errorf("QueryRowContext on the read pool inside the transaction: %v, want ErrReadInWrite", err)
			}
			if _, err := db.R().QueryContext(ctx, `SELECT 1`); !errors.Is(err, store.ErrReadInWrite) {
				t.Errorf("QueryContext on the read pool inside the transaction: %v, want ErrReadInWrite", err)
			}
			// A context made from the transaction's (an actor, a timeout) is inside
			// it too.
			derived, cancel := context.WithTimeout(context.WithValue(ctx, probeKey{}, 1), time.Minute)
			defer cancel()
			if err := db.R().QueryRowContext(derived, `SELECT 1`).Scan(&n); !errors.Is(err, store.ErrReadInWrite) {
				t.Errorf("the read pool with a context derived from the transaction's: %v, want ErrReadInWrite", err)
			}
			// The caller's context is not marked: that is why the callback's
			// parameter shadows it (TestWriteCallbacksReadThroughTheirTransaction).
			return db.R().QueryRowContext(outer, `SELECT 1`).Scan(&n)
		})
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := db.R().QueryRowContext(outer, `SELECT 1`).Scan(&n); err != nil {
			t.Fatalf("the read pool after the transaction: %v", err)
		}
	})
}

func TestWriteRefusesToNest(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// On SQLite the nested transaction would wait for the one writer
		// connection, which its caller holds, until the context ends.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var inner error
		err := db.Write(ctx, func(ctx context.Context, tx *store.Tx) error {
			inner = db.Write(ctx, func(ctx context.Context, tx *store.Tx) error { return nil })
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !errors.Is(inner, store.ErrNestedWrite) || !errs.Is(inner, errs.Internal) {
			t.Fatalf("a write inside a write: %v, want an internal error wrapping ErrNestedWrite", inner)
		}
		if ctx.Err() != nil {
			t.Fatal("the nested write waited until the context ended")
		}
	})
}

// TestWriteCallbacksReadThroughTheirTransaction reads every Go file of the module
// for the callbacks given to Write (a function literal taking a *store.Tx) and
// checks what the guard cannot: that the callback's context parameter is named ctx,
// so that the caller's unmarked context is out of reach, that it makes no fresh
// context (context.Background or TODO), and that it does not call R() itself.
func TestWriteCallbacksReadThroughTheirTransaction(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	found := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") && path != root {
			return filepath.SkipDir
		}
		// This file breaks the rules on purpose, to see the guard refuse.
		if d.IsDir() || !strings.HasSuffix(path, ".go") || path == filepath.Join("..", "..", "internal", "store", "guard_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit := writeCallback(n)
			if lit == nil {
				return true
			}
			found++
			at := fset.Position(lit.Pos())
			params := lit.Type.Params.List
			if len(params) != 2 || len(params[0].Names) != 1 || params[0].Names[0].Name != "ctx" {
				t.Errorf("%s: a write callback's first parameter must be ctx context.Context", at)
			}
			ast.Inspect(lit.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "context" && (sel.Sel.Name == "Background" || sel.Sel.Name == "TODO") {
					t.Errorf("%s: context.%s inside a write callback escapes its transaction's context", fset.Position(sel.Pos()), sel.Sel.Name)
				}
				return true
			})
			ast.Inspect(lit.Body, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "R" && len(call.Args) == 0 {
					t.Errorf("%s: the read pool (R) inside a write callback: read through the transaction", fset.Position(call.Pos()))
				}
				return true
			})
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d write callbacks read", found)
	if found < 20 {
		t.Fatalf("found %d write callbacks in the module; the walk is broken", found)
	}
}

// writeCallback returns the function literal n gives to a method named Write, when
// it takes a *store.Tx.
func writeCallback(n ast.Node) *ast.FuncLit {
	call, ok := n.(*ast.CallExpr)
	if !ok || len(call.Args) == 0 {
		return nil
	}
	if sel, ok := call.Fun.(*ast.SelectorExpr); !ok || sel.Sel.Name != "Write" {
		return nil
	}
	lit, ok := call.Args[len(call.Args)-1].(*ast.FuncLit)
	if !ok || !takesTx(lit) {
		return nil
	}
	return lit
}

// takesTx reports whether a function literal has a *store.Tx (or, in this
// package, *Tx) parameter.
func takesTx(lit *ast.FuncLit) bool {
	for _, p := range lit.Type.Params.List {
		star, ok := p.Type.(*ast.StarExpr)
		if !ok {
			continue
		}
		switch x := star.X.(type) {
		case *ast.SelectorExpr:
			if id, ok := x.X.(*ast.Ident); ok && id.Name == "store" && x.Sel.Name == "Tx" {
				return true
			}
		case *ast.Ident:
			if x.Name == "Tx" {
				return true
			}
		}
	}
	return false
}
