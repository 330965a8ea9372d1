package web

import "net/http"

func init() {
	register(page{Pattern: "POST /logout", Handle: (*Server).logout})
}

// logout ends every session of the principal (on every instance) and
// returns to the login form.
func (s *Server) logout(v *View, r *http.Request) error {
	if err := s.sessions.logout(r.Context(), v.Principal.ID); err != nil {
		return err
	}
	clearCookie(v.w, sessionCookie, s.router.SecureRequest(r))
	s.audit(r.Context(), v.Principal, "session.end", "signed out of the web workspace")
	v.Redirect("/login")
	return nil
}
