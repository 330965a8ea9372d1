package exstix

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// checker collects the semantic problems of one decoded object.
type checker struct {
	id    string
	probs []string
}

func (c *checker) errf(path, format string, args ...any) {
	c.probs = append(c.probs, c.id+": "+path+": "+fmt.Sprintf(format, args...))
}

func (c *checker) err() error {
	if len(c.probs) == 0 {
		return nil
	}
	return kizuna.Errorf(kizuna.EINVALID, "%s", strings.Join(c.probs, "; "))
}

var (
	idRE     = regexp.MustCompile(`^([a-z][a-z0-9-]*[a-z0-9])--[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	nationRE = regexp.MustCompile(`^[A-Z]{3}$`)
)

// ref checks an identifier, of type typ unless typ is "".
func (c *checker) ref(path, s, typ string) {
	g := idRE.FindStringSubmatch(s)
	switch {
	case g == nil:
		c.errf(path, "%q is not a STIX identifier", s)
	case typ != "" && g[1] != typ:
		c.errf(path, "must reference a %s, not a %s", typ, g[1])
	}
}

func (c *checker) enum(path, s string, allowed []string) {
	if !slices.Contains(allowed, s) {
		c.errf(path, "%q is not one of %s", s, strings.Join(allowed, ", "))
	}
}

func (c *checker) nation(path, s string) {
	if !nationRE.MatchString(s) {
		c.errf(path, "%q is not an ISO 3166-1 alpha-3 code", s)
	}
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }
