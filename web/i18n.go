package web

import (
	"embed"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The message catalogues: messages/LANG.json maps every message key to
// its text in that language.
//
//go:embed messages/*.json
var messageFiles embed.FS

// languages are the workspace's languages, in the order of its switch.
var languages = []string{"en", "ja"}

const defaultLanguage = "en"

// catalogue holds every language's messages.
var catalogue = loadCatalogue()

func loadCatalogue() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, l := range languages {
		data, err := messageFiles.ReadFile("messages/" + l + ".json")
		if err != nil {
			panic("web: message catalogue " + l + ": " + err.Error())
		}
		m := map[string]string{}
		if err := json.Unmarshal(data, &m); err != nil {
			panic("web: message catalogue " + l + ": " + err.Error())
		}
		out[l] = m
	}
	return out
}

// language is the reader's language: the one chosen with the switch (a
// cookie), else the first of Accept-Language the workspace speaks, else
// English.
func language(r *http.Request) string {
	if c, err := r.Cookie(langCookie); err == nil && slices.Contains(languages, c.Value) {
		return c.Value
	}
	best, bestQ := defaultLanguage, 0.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(tag), "-")
		if slices.Contains(languages, base) && q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

// handleLanguage serves GET /lang/{code}?next=PATH: it keeps the choice
// in a cookie and returns to the page.
func (s *Server) handleLanguage(w http.ResponseWriter, r *http.Request) {
	code := r.PathValue("code")
	if !slices.Contains(languages, code) {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: code, Path: "/", HttpOnly: true,
		Secure: s.router.SecureRequest(r), SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
	next := r.URL.Query().Get("next")
	if !localPath(next) {
		next = "/"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
