package source

import (
	"encoding/json"
	"errors"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/internal/namedlist"
)

// DefaultInterval is the time between two pulls of a source when its
// configuration gives none.
const DefaultInterval = 5 * time.Minute

// MinInterval is the shortest interval a source may have: a partner's
// server is not to be polled harder than this.
const MinInterval = 10 * time.Second

// Config is one source as the node's sources file holds it: which
// collection of which TAXII 2.1 server it pulls, into which local
// collection, and as which principal. The secret (a bearer token, or the
// password of Username) is kept apart, in a file of its own.
type Config struct {
	Name string `json:"name"`
	// APIRoot is the server's API root URL, ending in "/".
	APIRoot string `json:"api_root"`
	// Collection is the remote collection's id.
	Collection string `json:"collection"`
	// Into is the local collection's id; its default marking is Markings.
	Into string `json:"into"`
	// Markings is the source's default marking: what an object the partner
	// sent unmarked takes (the local collection's DefaultMarkingRefs).
	Markings []string `json:"markings"`
	// Principal names the principal the source writes as (role publisher).
	Principal string `json:"principal"`
	// ActsFor lists the organisations (identity ids) besides the
	// principal's own whose objects the source may bring in: an object
	// created by another organisation is refused by the write rules.
	ActsFor []string `json:"acts_for,omitempty"`
	// Username, when set, sends HTTP Basic credentials with the secret as
	// password; otherwise the secret is a bearer token (none: no
	// credentials).
	Username string `json:"username,omitempty"`
	// CertSHA256 pins the server's certificate (hex SHA-256 of its DER);
	// empty: the system's roots.
	CertSHA256 string `json:"cert_sha256,omitempty"`
	// Interval is the time between pulls (DefaultInterval when zero).
	Interval Duration `json:"interval,omitempty"`
	// PageSize is the page size asked for (Pager's default when zero).
	PageSize int `json:"page_size,omitempty"`
}

// Duration is a time.Duration written as "5m" in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as Go writes it ("5m0s").
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "5m", "90s", ...
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return errors.New("want a duration such as \"5m\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Every returns the source's interval.
func (c *Config) Every() time.Duration {
	if c.Interval == 0 {
		return DefaultInterval
	}
	return time.Duration(c.Interval)
}

// Validate checks the configuration, naming what is wrong.
func (c *Config) Validate() error {
	if !namedlist.IsName(c.Name) {
		return kizuna.Errorf(kizuna.EINVALID, "name %q: want 1 to 64 letters, digits, '-', '_' or '.', not starting with '.'", c.Name)
	}
	u, err := url.Parse(c.APIRoot)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || !strings.HasSuffix(u.Path, "/") || u.User != nil {
		return kizuna.Errorf(kizuna.EINVALID, "api_root %q: want an https URL of a TAXII API root ending in '/', without credentials", c.APIRoot)
	}
	if ip := net.ParseIP(u.Hostname()); u.Scheme == "http" && u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		// The secret would cross the network in clear.
		return kizuna.Errorf(kizuna.EINVALID, "api_root %q: plain HTTP is allowed only to a loopback address; use https", c.APIRoot)
	}
	if c.Collection == "" || c.Into == "" || c.Principal == "" {
		return kizuna.Errorf(kizuna.EINVALID, "collection, into and principal are required")
	}
	if len(c.Markings) == 0 {
		return kizuna.Errorf(kizuna.EINVALID, "markings: a source needs its own default marking")
	}
	for _, m := range c.Markings {
		if !strings.HasPrefix(m, "marking-definition--") {
			return kizuna.Errorf(kizuna.EINVALID, "markings: %q is not a marking-definition id", m)
		}
	}
	for _, o := range c.ActsFor {
		if !strings.HasPrefix(o, "identity--") {
			return kizuna.Errorf(kizuna.EINVALID, "acts_for: %q is not an identity id", o)
		}
	}
	if c.CertSHA256 != "" && (len(c.CertSHA256) != 64 || strings.Trim(strings.ToLower(c.CertSHA256), "0123456789abcdef") != "") {
		return kizuna.Errorf(kizuna.EINVALID, "cert_sha256 %q: want 64 hex digits", c.CertSHA256)
	}
	if c.Interval != 0 && time.Duration(c.Interval) < MinInterval {
		return kizuna.Errorf(kizuna.EINVALID, "interval %s: at least %s", time.Duration(c.Interval), MinInterval)
	}
	if c.PageSize < 0 || c.PageSize > 100_000 {
		return kizuna.Errorf(kizuna.EINVALID, "page_size %d: want 1 to 100000 (0: the default)", c.PageSize)
	}
	return nil
}

// EntryName names the source in the sources file.
func (c *Config) EntryName() string { return c.Name }

// sourcesKey is the sources file's one key.
const sourcesKey = "sources"

// ParseConfigs reads and validates a sources file's content; an error
// names the file and the entry. Unknown keys are refused.
func ParseConfigs(name string, data []byte) ([]Config, error) {
	return namedlist.Parse[Config](name, sourcesKey, data)
}

// MarshalConfigs returns a sources file's content, sorted by name.
func MarshalConfigs(cs []Config) ([]byte, error) { return namedlist.Marshal[Config](sourcesKey, cs) }
