package feed

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// Dialect is a rule language.
type Dialect int

// The rule languages: Suricata's (version 7 and later), and Snort 2.9's,
// which Snort 3 reads through its snort2lua converter.
const (
	Suricata Dialect = iota + 1
	Snort
)

// String names the dialect.
func (d Dialect) String() string {
	if d == Snort {
		return "snort"
	}
	return "suricata"
}

// SIDRange is the range of rule ids an export gives its rules, inclusive.
// sidallocation.org records the ranges rule publishers use; pick one no
// other rule set of the sensor uses.
type SIDRange struct{ First, Last uint32 }

// DefaultSIDs is the range used when RuleOptions.SIDs is zero.
var DefaultSIDs = SIDRange{First: 1_000_000_000, Last: 1_999_999_999}

// RuleOptions set up a rules export.
type RuleOptions struct {
	Options
	Dialect Dialect  // Suricata when zero
	SIDs    SIDRange // DefaultSIDs when zero
	// Action is alert (the default) or, for a sensor inline, drop.
	Action string
	// MsgPrefix starts each rule's message ("KIZUNA" when empty).
	MsgPrefix string
	// Classtype is the classtype of every rule ("bad-unknown" when empty;
	// "none" leaves it out).
	Classtype string
	// HomeNet is the address variable of the protected network
	// ("$HOME_NET" when empty).
	HomeNet string
	// NoDNS, NoTLS and NoHTTP turn off the DNS query, TLS SNI and HTTP
	// Host rules that each domain name gives.
	NoDNS, NoTLS, NoHTTP bool
	// Subdomains makes domain rules match the domain's subdomains too.
	Subdomains bool
	// ListPrefix starts the names of the hash list files ("kizuna").
	ListPrefix string
	// NoComments leaves out of the rules file the comment lines that name
	// each indicator left out or translated in part.
	NoComments bool
}

func (o *RuleOptions) defaults() error {
	if o.Dialect == 0 {
		o.Dialect = Suricata
	}
	if o.SIDs == (SIDRange{}) {
		o.SIDs = DefaultSIDs
	}
	if o.SIDs.First == 0 || o.SIDs.Last < o.SIDs.First {
		return kizuna.Errorf(kizuna.EINVALID, "rule id range %d-%d: want 1 <= first <= last", o.SIDs.First, o.SIDs.Last)
	}
	if o.Action == "" {
		o.Action = "alert"
	}
	if o.Action != "alert" && o.Action != "drop" {
		return kizuna.Errorf(kizuna.EINVALID, "rule action %q: want alert or drop", o.Action)
	}
	if o.MsgPrefix == "" {
		o.MsgPrefix = "KIZUNA"
	}
	switch o.Classtype {
	case "":
		o.Classtype = "bad-unknown"
	case "none":
		o.Classtype = ""
	}
	if !isToken(o.Classtype) && o.Classtype != "" {
		return kizuna.Errorf(kizuna.EINVALID, "classtype %q: want letters, digits, '-' and '_'", o.Classtype)
	}
	if o.HomeNet == "" {
		o.HomeNet = "$HOME_NET"
	}
	if o.ListPrefix == "" {
		o.ListPrefix = "kizuna"
	}
	if !isToken(o.ListPrefix) {
		return kizuna.Errorf(kizuna.EINVALID, "list prefix %q: want letters, digits, '-' and '_'", o.ListPrefix)
	}
	if err := checkAddress(o.HomeNet, o.Dialect); err != nil {
		return kizuna.Errorf(kizuna.EINVALID, "home network %q: %v", o.HomeNet, err)
	}
	return nil
}

func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return s != ""
}

// RuleSet is the result of a rules export: its report and the hash list
// files the rules load, which go in the same directory as the rules file.
type RuleSet struct {
	Report *Report
	Lists  []*HashList
}

type ruleGen struct {
	opt   RuleOptions
	home  string
	w     *bufio.Writer
	r     *Report
	sids  *set64
	lists *hashLists
}

// WriteRules writes a rule for each value of each indicator whose pattern
// translates, one per line, and the hash list files for the file hashes.
// Each rule's metadata names its indicator and the indicator's marking; its
// message starts with the indicator's name; its rule id is derived from the
// indicator id and the rule's purpose, within opt.SIDs. Indicators that do
// not translate are reported and, unless opt.NoComments, named in comment
// lines at the place they would have had.
func WriteRules(w io.Writer, objs Objects, opt RuleOptions) (*RuleSet, error) {
	if err := opt.defaults(); err != nil {
		return nil, err
	}
	g := &ruleGen{opt: opt, home: opt.HomeNet, w: bufio.NewWriterSize(w, 1<<16), sids: newSet64(1 << 12)}
	g.r = newReport(opt.Options)
	g.lists = newHashLists(opt.ListPrefix)
	fmt.Fprintf(g.w, "# kizuna %s rules: generated, do not edit; rule ids %d-%d\n", opt.Dialect, opt.SIDs.First, opt.SIDs.Last)
	if err := walk(objs, opt.Options, g.r, false, g.indicator); err != nil {
		return nil, err
	}
	set := &RuleSet{Report: g.r}
	if opt.Dialect == Suricata {
		lists, err := g.listRules()
		if err != nil {
			return nil, err
		}
		set.Lists = lists
	}
	if err := g.w.Flush(); err != nil {
		return nil, err
	}
	return set, nil
}

func (g *ruleGen) indicator(e *entry) error {
	if e.why != "" {
		g.r.skip(e.obj, e.why)
		return g.comment("not translated", e.obj.ID, e.why)
	}
	dropped := append([]string(nil), e.dropped...)
	var lines []string
	listed := false
	for _, o := range e.obs {
		if o.Kind.IsHash() && g.opt.Dialect == Suricata && o.Kind != KindSHA512 {
			g.lists.add(o, e)
			listed = true
			continue
		}
		specs, why := g.specs(o)
		if why == "" && len(specs) == 0 {
			why = g.hashReason(o.Kind)
		}
		if why != "" {
			dropped = append(dropped, o.Kind.String()+" "+o.Value+": "+why)
			continue
		}
		for _, s := range specs {
			sid, err := g.sid(e.obj.ID + "\x00" + o.component() + "\x00" + s.component)
			if err != nil {
				return err
			}
			msg := g.opt.MsgPrefix + " " + e.name() + " - " + s.what
			meta := append([]string{"kizuna_id " + metaValue(e.obj.ID)}, e.mark.meta...)
			lines = append(lines, s.r.text(msg, meta, g.opt.Classtype, sid, rev(e)))
		}
	}
	if len(lines) == 0 && !listed {
		reason := strings.Join(uniq(dropped), "; ")
		g.r.skip(e.obj, reason)
		return g.comment("not translated", e.obj.ID, reason)
	}
	g.r.exported(e.mark)
	if len(dropped) > 0 {
		reason := "dropped: " + strings.Join(uniq(dropped), "; ")
		g.r.partial(e.obj, reason)
		if err := g.comment("in part", e.obj.ID, reason); err != nil {
			return err
		}
	}
	for _, l := range lines {
		g.r.Entries++
		g.w.WriteString(l)
		g.w.WriteByte('\n')
	}
	return nil
}

func (g *ruleGen) hashReason(k Kind) string {
	if g.opt.Dialect == Snort {
		return "Snort rules cannot test file hashes (the Suricata rules and the hash blocklists can)"
	}
	return "Suricata has no list keyword for " + k.String() + " file hashes"
}

// rev is a rule's revision: the indicator's version in Unix seconds, so
// that a new version of an indicator gives rules with a higher revision.
func rev(e *entry) int64 {
	if s := e.obj.Version.Unix(); s > 0 {
		return s
	}
	return 1
}

// comment writes a comment line, its text made one line.
func (g *ruleGen) comment(what, id, reason string) error {
	if g.opt.NoComments {
		return nil
	}
	_, err := fmt.Fprintf(g.w, "# %s: %s: %s\n", what, oneLine(id), oneLine(reason))
	return err
}

func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == 0x2028 || r == 0x2029 || r == 0x85 {
			return ' '
		}
		return r
	}, s)
}

// sid derives a rule id from key: the range's first id plus the first
// eight bytes of the key's SHA-256 modulo the range's size. An id already
// given is derived again from the key and a counter, so that rules keep
// their ids across exports unless they collide with an earlier rule.
func (g *ruleGen) sid(key string) (uint32, error) {
	size := uint64(g.opt.SIDs.Last) - uint64(g.opt.SIDs.First) + 1
	if uint64(g.sids.n)+1 > size {
		return 0, kizuna.Errorf(kizuna.EINVALID, "rule id range %d-%d is full", g.opt.SIDs.First, g.opt.SIDs.Last)
	}
	for i := 0; ; i++ {
		k := key
		if i > 0 {
			k = fmt.Sprintf("%s\x00%d", key, i)
			g.r.Collisions++
		}
		h := sha256.Sum256([]byte(k))
		sid := g.opt.SIDs.First + uint32(binary.BigEndian.Uint64(h[:8])%size)
		if g.sids.add(uint64(sid)) {
			return sid, nil
		}
	}
}
