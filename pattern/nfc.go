package pattern

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// The specification compares LIKE and MATCHES operands after Unicode
// normalisation form C, so that "ḍ̇" written precomposed or decomposed
// matches either way. The standard library has no normaliser, and this
// package imports only the standard library, so a compact one follows.

var nfcOnce sync.Once

var (
	nfcDecomp  map[rune][]rune
	nfcCCC     map[rune]uint8
	nfcCompose map[[2]rune]rune
)

func loadNFC() {
	nfcDecomp = map[rune][]rune{}
	for _, e := range strings.Split(nfcDecompData, ";") {
		cp, parts, _ := strings.Cut(e, ":")
		var rs []rune
		for _, p := range strings.Split(parts, ",") {
			rs = append(rs, hexRune(p))
		}
		nfcDecomp[hexRune(cp)] = rs
	}
	nfcCCC = map[rune]uint8{}
	for _, e := range strings.Split(nfcCCCData, ";") {
		span, class, _ := strings.Cut(e, ":")
		lo, hi, found := strings.Cut(span, "-")
		if !found {
			hi = lo
		}
		k, _ := strconv.Atoi(class)
		for r := hexRune(lo); r <= hexRune(hi); r++ {
			nfcCCC[r] = uint8(k)
		}
	}
	nfcCompose = map[[2]rune]rune{}
	for _, e := range strings.Split(nfcComposeData, ";") {
		pair, to, _ := strings.Cut(e, ":")
		a, b, _ := strings.Cut(pair, ",")
		nfcCompose[[2]rune{hexRune(a), hexRune(b)}] = hexRune(to)
	}
}

func hexRune(s string) rune {
	n, _ := strconv.ParseUint(s, 16, 32)
	return rune(n)
}

// Hangul syllables decompose and compose algorithmically.
const (
	hangulS = 0xAC00
	hangulL = 0x1100
	hangulV = 0x1161
	hangulT = 0x11A7
	hangulN = 21 * 28
)

func decomposeRune(r rune, out []rune) []rune {
	if r >= hangulS && r < hangulS+11172 {
		i := r - hangulS
		out = append(out, hangulL+i/hangulN, hangulV+(i%hangulN)/28)
		if t := i % 28; t != 0 {
			out = append(out, hangulT+t)
		}
		return out
	}
	if d, ok := nfcDecomp[r]; ok {
		for _, x := range d {
			out = decomposeRune(x, out)
		}
		return out
	}
	return append(out, r)
}

// normalizeNFC returns s in Unicode normalisation form C.
func normalizeNFC(s string) string {
	simple := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			simple = false
			break
		}
	}
	if simple {
		return s
	}
	nfcOnce.Do(loadNFC)
	var rs []rune
	for _, r := range s {
		rs = decomposeRune(r, rs)
	}
	// Canonical ordering: sort each run of non-starters by combining class.
	for i := 0; i < len(rs); {
		if nfcCCC[rs[i]] == 0 {
			i++
			continue
		}
		j := i
		for j < len(rs) && nfcCCC[rs[j]] != 0 {
			j++
		}
		slices.SortStableFunc(rs[i:j], func(a, b rune) int { return int(nfcCCC[a]) - int(nfcCCC[b]) })
		i = j
	}
	// Canonical composition: a character combines with the last starter
	// unless a character between them has class 0 or a class not below its own.
	out := rs[:0]
	starter := -1
	for _, r := range rs {
		c := nfcCCC[r]
		if starter >= 0 {
			last := len(out) - 1
			blocked := last != starter && (nfcCCC[out[last]] == 0 || nfcCCC[out[last]] >= c)
			if !blocked {
				if comp, ok := composePair(out[starter], r); ok {
					out[starter] = comp
					continue
				}
			}
		}
		if c == 0 {
			starter = len(out)
		}
		out = append(out, r)
	}
	return string(out)
}

func composePair(a, b rune) (rune, bool) {
	if a >= hangulL && a < hangulL+19 && b >= hangulV && b < hangulV+21 {
		return hangulS + ((a-hangulL)*21+(b-hangulV))*28, true
	}
	if a >= hangulS && a < hangulS+11172 && (a-hangulS)%28 == 0 && b > hangulT && b < hangulT+28 {
		return a + (b - hangulT), true
	}
	r, ok := nfcCompose[[2]rune{a, b}]
	return r, ok
}
