package pattern

import (
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unsafe"
)

// TestGuardOfLongOrIsLinear: the guard of a chain of OR-ed comparisons, a
// tree as deep as the chain is long, is built by appending each atom once:
// copying both sides into a new list at every level cost n²/2 copies of an
// atom, and a publisher's pattern of 25,000 OR-ed comparisons kept a core
// busy for some 16 s at each indexing (at ingest, and at every start).
func TestGuardOfLongOrIsLinear(t *testing.T) {
	const n = 2000
	var b strings.Builder
	b.WriteString("[domain-name:value = 'x.example'")
	for i := range n {
		fmt.Fprintf(&b, " OR domain-name:value = 'filler%d.example'", i)
	}
	b.WriteString("]")
	p := MustParse(b.String())
	expr := p.Leaves[0].Expr
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	atoms, ok := guardOf(expr)
	runtime.ReadMemStats(&after)
	if !ok || len(atoms) != n+1 {
		t.Fatalf("guard: %d atoms, %v; want %d", len(atoms), ok, n+1)
	}
	size := uint64(unsafe.Sizeof(atom{}))
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 8*(n+1)*size {
		t.Errorf("the guard of %d OR-ed comparisons allocated %d bytes, %d atoms' worth", n+1, allocated, allocated/size)
	}
}
