package feed

import (
	"bufio"
	"io"
	"net/netip"
	"slices"
	"strings"

	"github.com/kizuna-dev/kizuna"
)

// List names a plain blocklist.
type List string

// The blocklists. ipv4 and ipv6 hold single addresses; cidr holds every
// address and network of both families in CIDR notation (an address as a
// /32 or /128), for a firewall that takes one list.
const (
	ListIPv4   List = "ipv4"
	ListIPv6   List = "ipv6"
	ListCIDR   List = "cidr"
	ListDomain List = "domain"
	ListURL    List = "url"
	ListMD5    List = "md5"
	ListSHA1   List = "sha1"
	ListSHA256 List = "sha256"
	ListSHA512 List = "sha512"
)

// Lists are the blocklists, in the order the documentation lists them.
var Lists = []List{ListIPv4, ListIPv6, ListCIDR, ListDomain, ListURL, ListMD5, ListSHA1, ListSHA256, ListSHA512}

var listKinds = map[List][]Kind{
	ListIPv4: {KindIPv4}, ListIPv6: {KindIPv6}, ListCIDR: {KindIPv4, KindIPv6, KindNet4, KindNet6},
	ListDomain: {KindDomain}, ListURL: {KindURL}, ListMD5: {KindMD5}, ListSHA1: {KindSHA1},
	ListSHA256: {KindSHA256}, ListSHA512: {KindSHA512},
}

// WriteBlocklist writes one value a line, each once, sorted (addresses and
// networks in numeric order, the rest as strings), from the indicators
// whose patterns translate. An indicator with no value of the list's kind
// is counted in Report.Ignored under "indicator"; one whose pattern does
// not translate is reported. A port or transport beside an address is
// dropped (the list blocks the address on every port) and reported as a
// partial export. The values are held until the end, for the sort: about
// 24 bytes an address, the length of the value and 16 bytes for the rest.
func WriteBlocklist(w io.Writer, objs Objects, list List, opt Options) (*Report, error) {
	kinds, ok := listKinds[list]
	if !ok {
		return nil, kizuna.Errorf(kizuna.EINVALID, "blocklist %q: want one of %s", list, listNames())
	}
	r := newReport(opt)
	var addrs []netip.Addr
	var nets []netip.Prefix
	var strs []string
	err := walk(objs, opt, r, false, func(e *entry) error {
		if e.why != "" {
			r.skip(e.obj, e.why)
			return nil
		}
		n := 0
		var dropped []string
		for _, o := range e.obs {
			if !slices.Contains(kinds, o.Kind) {
				continue
			}
			n++
			if o.Port != 0 || o.Proto != "" {
				dropped = append(dropped, o.component()+": the port and transport (a blocklist holds addresses)")
			}
			switch {
			case list == ListCIDR:
				p, _ := netip.ParsePrefix(o.Value)
				if a, err := netip.ParseAddr(o.Value); err == nil {
					p = netip.PrefixFrom(a, a.BitLen())
				}
				nets = append(nets, p)
			case o.Kind == KindIPv4 || o.Kind == KindIPv6:
				a, _ := netip.ParseAddr(o.Value)
				addrs = append(addrs, a)
			default:
				strs = append(strs, o.Value)
			}
		}
		if n == 0 {
			r.Ignored["indicator"]++
			return nil
		}
		r.exported(e.mark)
		if d := append(dropped, e.dropped...); len(d) > 0 {
			r.partial(e.obj, "dropped: "+strings.Join(uniq(d), "; "))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	switch {
	case list == ListCIDR:
		slices.SortFunc(nets, comparePrefix)
		nets = slices.Compact(nets)
		for _, p := range nets {
			bw.WriteString(p.String())
			bw.WriteByte('\n')
		}
		r.Entries = len(nets)
	case len(addrs) > 0 || list == ListIPv4 || list == ListIPv6:
		slices.SortFunc(addrs, netip.Addr.Compare)
		addrs = slices.Compact(addrs)
		for _, a := range addrs {
			bw.WriteString(a.String())
			bw.WriteByte('\n')
		}
		r.Entries = len(addrs)
	default:
		slices.Sort(strs)
		strs = slices.Compact(strs)
		for _, s := range strs {
			bw.WriteString(s)
			bw.WriteByte('\n')
		}
		r.Entries = len(strs)
	}
	return r, bw.Flush()
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return a.Bits() - b.Bits()
}

func listNames() string {
	names := make([]string, len(Lists))
	for i, l := range Lists {
		names[i] = string(l)
	}
	return strings.Join(names, ", ")
}
