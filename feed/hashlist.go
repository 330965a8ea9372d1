package feed

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"slices"
	"strings"
)

// HashList is a list file that Suricata's filemd5, filesha1 or filesha256
// keyword loads: one hash a line, followed (Suricata ignores the rest of a
// line) by the ids of the indicators that name it. A list holds the hashes
// of one algorithm and one marking, so that the one rule that loads it can
// state the marking in its metadata.
type HashList struct {
	Name    string // file name, e.g. "kizuna-sha256-5d41402a.list"
	Kind    Kind
	Marking string // the banner of the marking of every hash in the list

	meta    []string
	rev     int64
	entries []string // "hash indicator-id", sorted by writeRules
}

// Len is the number of distinct hashes in the list.
func (l *HashList) Len() int {
	n := 0
	for i, e := range l.entries {
		if i == 0 || hashPart(e) != hashPart(l.entries[i-1]) {
			n++
		}
	}
	return n
}

func hashPart(e string) string {
	h, _, _ := strings.Cut(e, " ")
	return h
}

// WriteTo writes the list file: each hash once, in order, with the ids of
// its indicators.
func (l *HashList) WriteTo(w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := &countWriter{w: bw}
	for i, e := range l.entries {
		h, id, _ := strings.Cut(e, " ")
		if i > 0 && h == hashPart(l.entries[i-1]) {
			io.WriteString(cw, " "+id)
			continue
		}
		if i > 0 {
			io.WriteString(cw, "\n")
		}
		io.WriteString(cw, e)
	}
	if len(l.entries) > 0 {
		io.WriteString(cw, "\n")
	}
	if err := bw.Flush(); err != nil {
		return cw.n, err
	}
	return cw.n, cw.err
}

type countWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countWriter) Write(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.w.Write(p)
	c.n += int64(n)
	c.err = err
	return n, err
}

type listKey struct {
	kind   Kind
	banner string
}

type hashLists struct {
	prefix string
	byKey  map[listKey]*HashList
}

func newHashLists(prefix string) *hashLists {
	return &hashLists{prefix: prefix, byKey: map[listKey]*HashList{}}
}

func (hl *hashLists) add(o Observable, e *entry) {
	k := listKey{o.Kind, e.mark.banner}
	l := hl.byKey[k]
	if l == nil {
		sum := sha256.Sum256([]byte(e.mark.banner))
		l = &HashList{Name: hl.prefix + "-" + o.Kind.String() + "-" + hex.EncodeToString(sum[:4]) + ".list",
			Kind: o.Kind, Marking: e.mark.banner, meta: e.mark.meta}
		hl.byKey[k] = l
	}
	l.entries = append(l.entries, o.Value+" "+e.obj.ID)
	l.rev = max(l.rev, rev(e))
}

var listKeyword = map[Kind]string{KindMD5: "filemd5", KindSHA1: "filesha1", KindSHA256: "filesha256"}

// listRules sorts the lists and writes the rule that loads each.
func (g *ruleGen) listRules() ([]*HashList, error) {
	lists := make([]*HashList, 0, len(g.lists.byKey))
	for _, l := range g.lists.byKey {
		lists = append(lists, l)
	}
	slices.SortFunc(lists, func(a, b *HashList) int { return strings.Compare(a.Name, b.Name) })
	for _, l := range lists {
		slices.Sort(l.entries)
		l.entries = slices.Compact(l.entries)
		sid, err := g.sid("list\x00" + l.Name)
		if err != nil {
			return nil, err
		}
		r := rule{header: g.opt.Action + " ip any any -> any any"}
		r.add(listKeyword[l.Kind] + ":" + l.Name)
		meta := append([]string{"kizuna_list " + metaValue(l.Name)}, l.meta...)
		msg := g.opt.MsgPrefix + " file " + strings.ToUpper(l.Kind.String()) + " on list " + l.Name + " - " + l.Marking
		g.w.WriteString(r.text(msg, meta, g.opt.Classtype, sid, l.rev))
		g.w.WriteByte('\n')
		g.r.Entries++
	}
	return lists, nil
}
