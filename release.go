package kizuna

// RoleReleaser may release tearlines of objects it may read that others
// created: derived objects at a lower marking with the content it
// approves. An object's originator (a principal of the organisation that
// created it) may release its tearlines without the role.
const RoleReleaser = "releaser"

// AuditTearlineRelease is the audit action of a released tearline: the
// record names the source, the tearline, the releaser, the markings and
// the approved, rewritten and removed properties.
const AuditTearlineRelease = "tearline.release"
