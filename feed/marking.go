package feed

import (
	"errors"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// marking is how the feeds state an object's access label: a one-line
// banner for people, and key-value items for rule metadata.
type marking struct {
	label  *kizuna.AccessLabel
	banner string
	meta   []string // "key value", both safe in a rule's metadata
}

// errNoLabel and errUninterpretable refuse objects whose marking a feed
// could not state: fail closed, even though the access decision should
// never hand such an object to a reader.
var (
	errNoLabel         = errors.New("the object has no access label, so its marking cannot be stated")
	errUninterpretable = errors.New("the object carries a marking the node cannot interpret")
)

// markingOf renders an access label.
func markingOf(l *kizuna.AccessLabel) (marking, error) {
	if l == nil {
		return marking{}, errNoLabel
	}
	if len(l.Uninterpretable) > 0 {
		return marking{}, errUninterpretable
	}
	m := marking{label: l}
	var parts []string
	if l.TLP != "" {
		parts = append(parts, "TLP:"+strings.ToUpper(l.TLP))
		m.meta = append(m.meta, "tlp "+metaValue(l.TLP))
	}
	for _, c := range l.Classifications {
		parts = append(parts, c.Scheme+" "+c.Level)
		m.meta = append(m.meta, "classification "+metaValue(c.Scheme+":"+c.Level))
	}
	if l.Releasable {
		if len(l.ReleasableTo) == 0 {
			parts = append(parts, "REL TO NONE")
			m.meta = append(m.meta, "releasable_to none")
		} else {
			parts = append(parts, "REL TO "+strings.Join(l.ReleasableTo, ", "))
		}
		for _, n := range l.ReleasableTo {
			m.meta = append(m.meta, "releasable_to "+metaValue(n))
		}
	}
	if len(l.Communities) > 0 {
		parts = append(parts, "COMMUNITIES "+strings.Join(l.Communities, ", "))
		for _, c := range l.Communities {
			m.meta = append(m.meta, "community "+metaValue(c))
		}
	}
	if l.AudienceLimited {
		parts = append(parts, "AUDIENCE "+strings.Join(l.Audience, ", "))
		for _, a := range l.Audience {
			m.meta = append(m.meta, "audience "+metaValue(a))
		}
	}
	if len(parts) == 0 {
		parts = append(parts, "UNRESTRICTED")
		m.meta = append(m.meta, "tlp unrestricted")
	}
	m.banner = strings.Join(parts, " // ")
	return m, nil
}

// metaValue makes a value safe in a rule's metadata, where a comma ends an
// item, a semicolon the option and a space the key: every byte outside
// letters, digits and "._:/+=@-" is percent-encoded, so that the value can
// be read back exactly.
func metaValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._:/+=@-", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexUpper[c>>4])
		b.WriteByte(hexUpper[c&15])
	}
	return b.String()
}

const hexUpper = "0123456789ABCDEF"

// markings caches the rendering of labels by their store id.
type markings map[int64]marking

func (ms markings) of(o *kizuna.Object) (marking, error) {
	if o.LabelID != 0 {
		if m, ok := ms[o.LabelID]; ok && (m.label == o.Label || sameLabel(m.label, o.Label)) {
			return m, nil
		}
	}
	m, err := markingOf(o.Label)
	if err == nil && o.LabelID != 0 {
		ms[o.LabelID] = m
	}
	return m, err
}

// sameLabel compares two labels field by field: the cache trusts a label id
// only for the label it was computed from.
func sameLabel(a, b *kizuna.AccessLabel) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.TLP == b.TLP && slices.Equal(a.Classifications, b.Classifications) &&
		a.Releasable == b.Releasable && slices.Equal(a.ReleasableTo, b.ReleasableTo) &&
		slices.Equal(a.Communities, b.Communities) && slices.Equal(a.Audience, b.Audience) &&
		a.AudienceLimited == b.AudienceLimited && slices.Equal(a.Uninterpretable, b.Uninterpretable)
}
