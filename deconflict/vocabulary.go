// Package deconflict is the registry of allies' planned and active
// defensive actions and the matching that finds where two of them
// conflict: overlapping targets (addresses and ranges, domains, URLs,
// autonomous systems, STIX objects) in overlapping time windows, judged by
// named conflict rules from configuration, such as a takedown against
// another ally's passive collection (CAT1) on the same infrastructure.
//
// Matching runs locally over the registrations a principal may see
// (Registry), and across nodes through package deconflict/pairwise, whose
// hit/no-hit exchange reveals nothing to anyone but the two parties.
package deconflict

import "github.com/kizuna-dev/kizuna"

// Kind describes one action kind of the vocabulary.
type Kind struct {
	ID string
	// CourseOfAction is its place in MISP's course-of-action taxonomy:
	// passive (discover, detect) or active (deny, disrupt, degrade,
	// deceive, destroy).
	CourseOfAction string
	Text           kizuna.Text
}

// Kinds is the action vocabulary.
var Kinds = []Kind{
	{kizuna.ActionMonitor, "passive:detect", kizuna.Text{"en": "monitoring (passive collection)", "ja": "監視（受動的収集）"}},
	{kizuna.ActionDiscover, "passive:discover", kizuna.Text{"en": "historical search", "ja": "過去ログ調査"}},
	{kizuna.ActionBlock, "active:deny", kizuna.Text{"en": "block", "ja": "遮断"}},
	{kizuna.ActionSinkhole, "active:disrupt", kizuna.Text{"en": "sinkhole", "ja": "シンクホール"}},
	{kizuna.ActionTakedown, "active:disrupt", kizuna.Text{"en": "takedown request", "ja": "テイクダウン要請"}},
	{kizuna.ActionDisrupt, "active:disrupt", kizuna.Text{"en": "disruption of the infrastructure", "ja": "基盤の妨害"}},
	{kizuna.ActionDeceive, "active:deceive", kizuna.Text{"en": "deception (honeypot, redirection)", "ja": "欺瞞（ハニーポット等）"}},
	{kizuna.ActionVictimNotice, "passive:detect", kizuna.Text{"en": "victim notification", "ja": "被害者への通知"}},
	{kizuna.ActionPublicAdvisory, "passive:detect", kizuna.Text{"en": "public advisory", "ja": "公開注意喚起"}},
}

// Category is one approved category of action, the authority tier of
// MISP's approved-category-of-action taxonomy (MIMIC): how much the use of
// an indicator exposes it.
type Category struct {
	N    int
	Name string
}

// Categories are CAT1 to CAT6, named as the taxonomy names them.
var Categories = []Category{
	{1, "CAT1 Minimal Exposure - Passive Collection"},
	{2, "CAT2 Moderate Exposure - Government or Cleared Partner Internal Active Collection"},
	{3, "CAT3 Moderate Exposure - Government or Cleared Partner Internal Countermeasures"},
	{4, "CAT4 Moderate Exposure - Government Actions on External Networks"},
	{5, "CAT5 High Exposure - Public Actions Which Enable Internal Countermeasures"},
	{6, "CAT6 High Exposure - Actions on Adversary Infrastructure"},
}

// Matched lists the approval states whose actions are matched; drafts,
// completed and withdrawn actions conflict with nothing.
var Matched = []string{kizuna.ActionProposed, kizuna.ActionApproved, kizuna.ActionActive}

var states = []string{kizuna.ActionDraft, kizuna.ActionProposed, kizuna.ActionApproved, kizuna.ActionActive,
	kizuna.ActionCompleted, kizuna.ActionWithdrawn}

func kindIDs() []string {
	out := make([]string, len(Kinds))
	for i, k := range Kinds {
		out[i] = k.ID
	}
	return out
}
