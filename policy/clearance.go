package policy

import "github.com/kizuna-dev/kizuna"

// NormalizeClassification resolves a scheme and level in any accepted
// spelling (the level's id, its national-language name such as 極秘, or an
// alias) to their canonical ids. Errors: EINVALID naming what is unknown.
func (p *Policy) NormalizeClassification(c kizuna.Classification) (kizuna.Classification, error) {
	l, ok := p.levels.level(c.Scheme, c.Level)
	if !ok {
		if p.levels.schemes[normKey(c.Scheme)] == nil {
			return kizuna.Classification{}, kizuna.Errorf(kizuna.EINVALID, "unknown classification scheme %q", c.Scheme)
		}
		return kizuna.Classification{}, kizuna.Errorf(kizuna.EINVALID, "scheme %s has no level %q", c.Scheme, c.Level)
	}
	return kizuna.Classification{Scheme: l.scheme, Level: l.id}, nil
}
