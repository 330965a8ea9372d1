package main

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/kizuna-dev/kizuna"
	"github.com/kizuna-dev/kizuna/defense"
	"github.com/kizuna-dev/kizuna/node"
)

// materializeDefense writes the shipped collective-defense configuration
// into the data directory's defense directory, unless it holds one, so
// that the operator (or an admin through the API) can change it.
func materializeDefense(dataDir string) error {
	dst := filepath.Join(dataDir, defenseDir)
	if _, err := os.Stat(filepath.Join(dst, "defense.json")); err == nil {
		return nil
	}
	return fs.WalkDir(defense.Defaults, defense.DefaultsDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		out := filepath.Join(dst, filepath.FromSlash(strings.TrimPrefix(p, defense.DefaultsDir)))
		if d.IsDir() {
			return os.MkdirAll(out, 0o700)
		}
		b, err := fs.ReadFile(defense.Defaults, p)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o600)
	})
}

// defenseConfig keeps the collective-defense configuration of a data
// directory for admins who change it through the API (defapi.ConfigWriter).
type defenseConfig struct {
	n  *node.Node
	mu sync.Mutex
}

func (c *defenseConfig) PutModel(ctx context.Context, nation string, data []byte) (*defense.Engine, error) {
	return c.put(ctx, nation, "scoring", data)
}

func (c *defenseConfig) PutPolicy(ctx context.Context, nation string, data []byte) (*defense.Engine, error) {
	return c.put(ctx, nation, "policy", data)
}

// put writes the nation's file of the kind (scoring or policy) as
// kind-dir/NATION.json, points defense.json at it and loads the whole
// configuration; if it does not load, the files are put back as they were.
func (c *defenseConfig) put(ctx context.Context, nation, kind string, data []byte) (*defense.Engine, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := materializeDefense(c.n.Dir); err != nil {
		return nil, err
	}
	dir := filepath.Join(c.n.Dir, defenseDir)
	confPath := filepath.Join(dir, "defense.json")
	oldConf, err := os.ReadFile(confPath)
	if err != nil {
		return nil, err
	}
	var conf map[string]json.RawMessage
	var nations map[string]map[string]string
	if err := json.Unmarshal(oldConf, &conf); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(conf["nations"], &nations); err != nil || nations[nation] == nil {
		return nil, kizuna.Errorf(kizuna.ENOTFOUND, "defense.json configures no nation %q", nation)
	}
	sub := map[string]string{"scoring": "scoring", "policy": "policies"}[kind]
	rel := sub + "/" + strings.ToLower(nation) + ".json"
	target := filepath.Join(dir, filepath.FromSlash(rel))
	oldFile, readErr := os.ReadFile(target)
	nations[nation][kind] = rel
	conf["nations"], _ = json.Marshal(nations)
	newConf, _ := json.MarshalIndent(conf, "", " ")
	restore := func() {
		os.WriteFile(confPath, oldConf, 0o600)
		if readErr == nil {
			os.WriteFile(target, oldFile, 0o600)
		} else {
			os.Remove(target)
		}
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return nil, err
	}
	if err := errors.Join(os.WriteFile(target, data, 0o600), os.WriteFile(confPath, newConf, 0o600)); err != nil {
		restore()
		return nil, err
	}
	e, err := defense.Load(os.DirFS(dir), ".")
	if err != nil {
		restore()
		return nil, err
	}
	p := kizuna.PrincipalFromContext(ctx)
	c.n.Audit(ctx, &kizuna.AuditEvent{Principal: p.ID, Action: "defense." + kind + ".put", Object: nation, Reason: rel})
	return e, nil
}
