package feed

import (
	"net/http"
	"testing"
	"time"

	"github.com/kizuna-dev/kizuna"
)

func TestETag(t *testing.T) {
	objs := corpus(t)[:10]
	base, err := ETag(objects(objs...), "suricata")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := ETag(objects(corpus(t)[:10]...), "suricata")
	if base != again {
		t.Fatalf("the same objects gave %v and %v", base, again)
	}
	if base.Objects != 10 || base.LastModified.IsZero() || base.ETag[0] != '"' {
		t.Errorf("validator %+v", base)
	}
	changed := func(name string, objs []*kizuna.Object, salt string) {
		t.Helper()
		v, err := ETag(objects(objs...), salt)
		if err != nil {
			t.Fatal(err)
		}
		if v.ETag == base.ETag {
			t.Errorf("%s: the entity tag did not change", name)
		}
	}
	changed("another format", objs, "snort")
	changed("an object deleted", objs[1:], "suricata")
	changed("an object added", corpus(t)[:11], "suricata")
	newer := corpus(t)[:10]
	newer[3].Version = newer[3].Version.Add(time.Second)
	changed("a new version", newer, "suricata")
	relabelled := corpus(t)[:10]
	relabelled[3].LabelID = 99
	changed("a new label", relabelled, "suricata")
	unstored := corpus(t)[:10]
	unstored[3].LabelID, unstored[3].Label = 0, &kizuna.AccessLabel{TLP: kizuna.TLPRed}
	changed("a label without an id", unstored, "suricata")

	lm := base.LastModified.Format(http.TimeFormat)
	for _, c := range []struct {
		inm, ims string
		want     bool
	}{
		{base.ETag, "", true},
		{`"other", ` + base.ETag, "", true},
		{"W/" + base.ETag, "", true},
		{"*", "", true},
		{`"other"`, lm, false}, // If-None-Match decides alone
		{"", lm, true},
		{"", base.LastModified.Add(-time.Second).Format(http.TimeFormat), false},
		{"", "yesterday", false},
		{"", "", false},
	} {
		if got := base.NotModified(c.inm, c.ims); got != c.want {
			t.Errorf("NotModified(%q, %q) = %v, want %v", c.inm, c.ims, got, c.want)
		}
	}
}
