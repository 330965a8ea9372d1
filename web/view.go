package web

import (
	"context"
	"fmt"
	"net/http"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/policy"
)

// View is what a page's template renders: the layout's parts (principal,
// navigation, language, CSRF token, banner) and the page's Data. A page's
// handler fills Data and calls Mark for every label it shows, before the
// view is rendered: the banners are computed from those marks.
type View struct {
	w      http.ResponseWriter
	ctx    context.Context
	lang   string
	msgs   map[string]string
	policy policy.Config

	// Node is the node's display name; Path the request's path.
	Node, Path string
	// Principal is the signed-in reader (nil on public pages).
	Principal *kizuna.Principal
	// CSRF is the token every form carries in its csrfField.
	CSRF string
	Nav  []navItem
	// Title is the page's title, already translated.
	Title string
	// Data is the page's own content.
	Data any

	marks    []*kizuna.AccessLabel
	banner   Marking
	redirect string
	status   int
}

// T translates a message key into the reader's language; args fill the
// message's verbs (fmt).
func (v *View) T(key string, args ...any) string {
	msg, ok := v.msgs[key]
	if !ok {
		msg, ok = catalogue[defaultLanguage][key]
	}
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(msg, args...)
	}
	return msg
}

// Lang is the language of the page (a BCP 47 tag).
func (v *View) Lang() string { return v.lang }

// Languages lists the languages the reader can switch to.
func (v *View) Languages() []langItem {
	out := make([]langItem, 0, len(languages))
	for _, l := range languages {
		out = append(out, langItem{Code: l, Name: catalogue[l]["language.name"], Active: l == v.lang})
	}
	return out
}

// langItem is an entry of the language switch.
type langItem struct {
	Code, Name string
	Active     bool
}

// Mark returns the portion marking of a label the page shows, and counts
// the label in the page's banners. Call it only for what the reader may
// read: labels of objects and portions the guard returned.
func (v *View) Mark(l *kizuna.AccessLabel) Marking {
	if l == nil {
		l = &kizuna.AccessLabel{}
	}
	v.marks = append(v.marks, l)
	return v.describe([]*kizuna.AccessLabel{l})
}

// Banner is the page's classification banner: the highest marking of
// everything the page shows its reader.
func (v *View) Banner() Marking { return v.banner }

func (v *View) computeBanner() Marking { return v.describe(v.marks) }

// Redirect makes the page answer with a redirect (303) to a path of the
// node instead of rendering.
func (v *View) Redirect(path string) { v.redirect = path }

// SetStatus sets the page's HTTP status (200 by default).
func (v *View) SetStatus(code int) { v.status = code }
