// Package web is the analyst's workspace: server-rendered pages at / of a
// node (html/template and embed; a few lines of plain JavaScript, never
// required), mounted by 'kizuna serve' as a node.Mount.
//
// # Sessions and the guard
//
// A reader signs in with its token (login.go). The token is checked by the
// node's own authentication, as a bearer token, and the session is a
// cookie sealed (AES-256-GCM) with a key every instance of the node shares
// (a document of the node's state store, sealed itself on PostgreSQL):
// HttpOnly, SameSite=Strict, Secure when the client reached the node over
// TLS (directly, or through a trusted proxy that says so). The cookie
// holds the principal's id and the hash of its token; every request looks
// the principal up by that hash, as a bearer token is looked up, so that a
// revoked principal's sessions end at once on every instance. Sessions end
// after DefaultIdle without a request and DefaultAbsolute after sign-in;
// logout ends every session of the principal (a logout time in the state
// store).
//
// The node accepts the session wherever it accepts a token
// (node.Router.AcceptSessions): the principal lands in the request's
// context exactly as for TAXII and the native API, so the API's handlers
// (the stream of /api/v1/stream included) serve a session too. A session
// never authorises a write outside the workspace's own forms, and every
// form carries the session's CSRF token.
//
// Every page reads objects through the node's guard (s.n.Guard) with the
// reader in the context, never through the store: what the guard does not
// return no page shows, not as a row, a count, a title, a link, a
// relationship's other end, a banner or an error message (an object the
// reader may not read is "not found", as one that does not exist).
// read.go and refs.go hold the reading helpers every page uses.
//
// # Adding a page
//
//  1. A handler file, named after the page (incidents.go), that registers
//     the page from its init (example below). Nav, NavPath and Order make the navigation entry (leave Nav empty
//     for a page without one); Role restricts the page and its entry to
//     principals holding a role (kizuna.RoleAdmin for the audit log). A
//     POST route is registered the same way: its form is accepted only
//     with the CSRF token (the hidden field csrf, value {{.CSRF}}).
//  2. The handler, func (s *Server) incidents(v *View, r *http.Request)
//     error: it reads through the guard with r.Context() (the principal
//     is kizuna.PrincipalFromContext(r.Context()), also v.Principal), puts
//     the page's content in v.Data and its translated title in v.Title,
//     and returns an error to answer with the error page (ENOTFOUND for
//     anything the reader may not read). v.Redirect answers with a
//     redirect instead; v.SetStatus sets another status.
//  3. Markings: for every object, portion or derived item the page shows,
//     call v.Mark(label) (or s.markAll(v, obj) for a version with its
//     visible portions, or s.link(v, obj) for a link to it) while building
//     v.Data, before the handler returns: it returns the item's portion
//     marking, to show next to it with {{template "marking" .Marking}},
//     and counts the label in the page's banners, which the layout
//     renders top and bottom as the highest marking of everything marked.
//     Never mark a label of something the page does not show: the banner
//     would reveal it.
//  4. The template, templates/incidents.html, defines "content" (the
//     layout supplies the banners, navigation, language switch and
//     logout). Every label is a message key: {{.T "incidents.title"}},
//     with its text in messages/en.json and messages/ja.json
//     (TestCataloguesComplete checks that every key used exists in both).
//     No inline script or style: the Content-Security-Policy refuses
//     them; put them in static/.
//
// The registration of step 1:
//
//	func init() {
//		register(page{Pattern: "GET /incidents", Template: "incidents.html",
//			Nav: "nav.incidents", NavPath: "/incidents", Order: 30,
//			Handle: (*Server).incidents})
//	}
package web
