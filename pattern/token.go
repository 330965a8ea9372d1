package pattern

// tokenKind identifies a lexical token of the STIX patterning grammar
// (STIXPattern.g4).
type tokenKind int

const (
	tokEOF tokenKind = iota
	tokIntPos
	tokIntNeg
	tokFloatPos
	tokFloatNeg
	tokHex
	tokBinary
	tokString
	tokBool
	tokTimestamp
	tokAnd
	tokOr
	tokNot
	tokFollowedBy
	tokLike
	tokMatches
	tokIsSuperset
	tokIsSubset
	tokExists
	tokLast
	tokIn
	tokStart
	tokStop
	tokSeconds
	tokWithin
	tokRepeats
	tokTimes
	tokIdent       // IdentifierWithoutHyphen
	tokIdentHyphen // IdentifierWithHyphen (contains at least one hyphen)
	tokEQ
	tokNEQ
	tokLT
	tokLE
	tokGT
	tokGE
	tokQuote
	tokColon
	tokDot
	tokComma
	tokRParen
	tokLParen
	tokRBrack
	tokLBrack
	tokPlus
	tokHyphen
	tokPower
	tokDivide
	tokAsterisk
	tokInvalid
)

var tokenNames = [...]string{
	tokEOF: "end of pattern", tokIntPos: "integer", tokIntNeg: "negative integer",
	tokFloatPos: "float", tokFloatNeg: "negative float", tokHex: "hex literal",
	tokBinary: "binary literal", tokString: "string literal", tokBool: "boolean",
	tokTimestamp: "timestamp literal", tokAnd: "AND", tokOr: "OR", tokNot: "NOT",
	tokFollowedBy: "FOLLOWEDBY", tokLike: "LIKE", tokMatches: "MATCHES",
	tokIsSuperset: "ISSUPERSET", tokIsSubset: "ISSUBSET", tokExists: "EXISTS",
	tokLast: "LAST", tokIn: "IN", tokStart: "START", tokStop: "STOP",
	tokSeconds: "SECONDS", tokWithin: "WITHIN", tokRepeats: "REPEATS",
	tokTimes: "TIMES", tokIdent: "identifier", tokIdentHyphen: "identifier with hyphen",
	tokEQ: "'='", tokNEQ: "'!='", tokLT: "'<'", tokLE: "'<='", tokGT: "'>'", tokGE: "'>='",
	tokQuote: "unterminated quote", tokColon: "':'", tokDot: "'.'", tokComma: "','",
	tokRParen: "')'", tokLParen: "'('", tokRBrack: "']'", tokLBrack: "'['",
	tokPlus: "'+'", tokHyphen: "'-'", tokPower: "'^'", tokDivide: "'/'",
	tokAsterisk: "'*'", tokInvalid: "invalid character",
}

func (k tokenKind) String() string {
	if int(k) < len(tokenNames) {
		return tokenNames[k]
	}
	return "token"
}

// keywords maps the reserved words of the grammar to their kinds; they are
// case-sensitive.
var keywords = map[string]tokenKind{
	"AND": tokAnd, "OR": tokOr, "NOT": tokNot, "FOLLOWEDBY": tokFollowedBy,
	"LIKE": tokLike, "MATCHES": tokMatches, "ISSUPERSET": tokIsSuperset,
	"ISSUBSET": tokIsSubset, "EXISTS": tokExists, "LAST": tokLast, "IN": tokIn,
	"START": tokStart, "STOP": tokStop, "SECONDS": tokSeconds, "WITHIN": tokWithin,
	"REPEATS": tokRepeats, "TIMES": tokTimes,
}

// token is one lexeme with its byte offset in the pattern.
type token struct {
	kind tokenKind
	text string
	pos  int
}
