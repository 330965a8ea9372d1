package stix

import "testing"

func TestIsLangTag(t *testing.T) {
	valid := []string{"en", "EN", "en-US", "en-us", "ja-JP", "zh-Hant-TW", "zh-yue", "sr-Latn-RS", "es-419", "de-CH-1996",
		"sl-rozaj-biske", "en-US-x-twain", "x-whatever", "i-klingon", "en-GB-oed", "qaa", "fil", "yue", "de-Qaaa", "en-XA",
		"en-a-bbb-x-a-ccc", "ar-SU"}
	invalid := []string{"", "foo", "xx", "english", "en_US", "eng", "en-", "-en", "en--US", "en-USA1", "en-Abcd", "en-US-US-x",
		"de-1996-1996", "en-a-bb-a-cc", "en-a", "x", "en-ZQ", "toolongsubtag", "1en"}
	checkPredicate(t, "isLangTag", isLangTag, valid, invalid)
}

func TestIsURI(t *testing.T) {
	valid := []string{"https://example.com/", "http://user:pw@example.com:8080/a/b?c=d&e#f", "mailto:a@example.com",
		"urn:isbn:0451450523", "http://[2001:db8::1]/", "http://[v7.fe:80]/", "https://example.com/%C3%A9", "file:///etc/hosts",
		"https://example.com/a(b)c;d=e"}
	invalid := []string{"", "example.com/a", "/a/b", "not a url", "https://example.com/a b", "https://example.com/\u00e9",
		"https://example.com/%zz", "http://[::1/", "http://exa mple.com/", "http://example.com:80a/", "1http://x/", "https://example.com/a\"b"}
	checkPredicate(t, "isURI", isURI, valid, invalid)
}

func TestCPE23(t *testing.T) {
	valid := []string{"cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*", "cpe:2.3:o:linux:linux_kernel:5.10:-:*:en-us:*:*:*:*",
		`cpe:2.3:a:acme:foo\:bar:1.0:*:*:*:*:*:*:*`, "cpe:2.3:h:*:*:*:*:*:*:*:*:*:*", "cpe:2.3:a:vendor:prod?:1.*:*:*:*:*:*:*:*"}
	invalid := []string{"invalid", "cpe:/a:microsoft:word:2000", "cpe:2.3:a:microsoft:word", "cpe:2.3:x:a:b:c:d:e:f:g:h:i:j",
		"junk cpe:2.3:a:microsoft:word:2000:*:*:*:*:*:*:*", "cpe:2.3:a:ms:word:2000:*:*:english:*:*:*:*",
		"cpe:2.3:a:ms:wo rd:2000:*:*:*:*:*:*:*"}
	checkPredicate(t, "cpe23.MatchString", cpe23.MatchString, valid, invalid)
}

func TestCharsetNames(t *testing.T) {
	checkPredicate(t, "charsetSet", func(s string) bool { return charsetSet[s] },
		[]string{"UTF-8", "US-ASCII", "ISO-8859-1", "Shift_JIS", "EUC-JP", "windows-1252", "UTF-16LE", "GB18030"},
		[]string{"utf-8", "latin1", "csUTF8", "UTF8", "bla.bla.bla"})
}

// checkPredicate checks that f holds for every string of valid and for
// none of invalid.
func checkPredicate(t *testing.T, name string, f func(string) bool, valid, invalid []string) {
	t.Helper()
	for _, s := range valid {
		if !f(s) {
			t.Errorf("%s(%q) = false, want true", name, s)
		}
	}
	for _, s := range invalid {
		if f(s) {
			t.Errorf("%s(%q) = true, want false", name, s)
		}
	}
}
