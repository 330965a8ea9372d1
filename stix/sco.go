package stix

import (
	"net/netip"
	"strings"
)

// Enumerations of STIX 2.1 section 10 used by the SCOs.
var (
	enumEncryptionAlgorithm = []string{"AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"}
	enumNetworkSocketFamily = []string{"AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS",
		"AF_INET6", "AF_IRDA", "AF_BTH"}
	enumNetworkSocketType = []string{"SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET"}
	enumIntegrityLevel    = []string{"low", "medium", "high", "system"}
	enumServiceStartType  = []string{"SERVICE_AUTO_START", "SERVICE_BOOT_START", "SERVICE_DEMAND_START",
		"SERVICE_DISABLED", "SERVICE_SYSTEM_ALERT"}
	enumServiceType = []string{"SERVICE_KERNEL_DRIVER", "SERVICE_FILE_SYSTEM_DRIVER",
		"SERVICE_WIN32_OWN_PROCESS", "SERVICE_WIN32_SHARE_PROCESS"}
	enumServiceStatus = []string{"SERVICE_CONTINUE_PENDING", "SERVICE_PAUSE_PENDING", "SERVICE_PAUSED",
		"SERVICE_RUNNING", "SERVICE_START_PENDING", "SERVICE_STOP_PENDING", "SERVICE_STOPPED"}
	enumRegistryDatatype = []string{"REG_NONE", "REG_SZ", "REG_EXPAND_SZ", "REG_BINARY", "REG_DWORD",
		"REG_DWORD_BIG_ENDIAN", "REG_DWORD_LITTLE_ENDIAN", "REG_LINK", "REG_MULTI_SZ", "REG_RESOURCE_LIST",
		"REG_FULL_RESOURCE_DESCRIPTION", "REG_RESOURCE_REQUIREMENTS_LIST", "REG_QWORD", "REG_INVALID_TYPE"}
	vocabAccountType = []string{"facebook", "ldap", "nis", "openid", "radius", "skype", "tacacs",
		"twitter", "unix", "windows-local", "windows-domain", "windows local", "windows domain", "kavi"}
	vocabWindowsPEType = []string{"dll", "exe", "sys"}
)

var (
	pPort     = intRange(0, 65535)
	pAddrRefs = refs("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name")
)

var mimePartShape = &shape{
	props: map[string]prop{"body": pString, "body_raw_ref": ref("artifact", "file"),
		"content_type": pString, "content_disposition": pString},
	check: func(c *checker, v *value, p *path) {
		if (v.get("body") == nil) == (v.get("body_raw_ref") == nil) {
			c.errf(p, "a MIME part needs exactly one of body and body_raw_ref")
		}
	},
}

var registryValueShape = &shape{
	atLeastOne: true,
	props: map[string]prop{"name": pString, "data": pString, "data_type": enum(enumRegistryDatatype...)},
}

var alternateDataStreamShape = &shape{
	required: []string{"name"},
	props:    map[string]prop{"name": pString, "hashes": pHashes, "size": pNonNeg},
}

var peSectionShape = &shape{
	required: []string{"name"},
	props:    map[string]prop{"name": pString, "size": pNonNeg, "entropy": pFloatAny, "hashes": pHashes},
}

var pFloatAny = prop{kind: tFloat}

var peOptionalHeaderShape = &shape{
	atLeastOne: true,
	props: map[string]prop{
		"magic_hex": pHex, "major_linker_version": pInt, "minor_linker_version": pInt,
		"size_of_code": pNonNeg, "size_of_initialized_data": pNonNeg, "size_of_uninitialized_data": pNonNeg,
		"address_of_entry_point": pInt, "base_of_code": pInt, "base_of_data": pInt, "image_base": pInt,
		"section_alignment": pInt, "file_alignment": pInt, "major_os_version": pInt, "minor_os_version": pInt,
		"major_image_version": pInt, "minor_image_version": pInt, "major_subsystem_version": pInt,
		"minor_subsystem_version": pInt, "win32_version_value_hex": pHex, "size_of_image": pNonNeg,
		"size_of_headers": pNonNeg, "checksum_hex": pHex, "subsystem_hex": pHex,
		"dll_characteristics_hex": pHex, "size_of_stack_reserve": pNonNeg, "size_of_stack_commit": pNonNeg,
		"size_of_heap_reserve": pInt, "size_of_heap_commit": pInt, "loader_flags_hex": pHex,
		"number_of_rva_and_sizes": pInt, "hashes": pHashes,
	},
}

var x509ExtensionsShape = &shape{
	atLeastOne: true,
	props: map[string]prop{
		"basic_constraints": pString, "name_constraints": pString, "policy_constraints": pString,
		"key_usage": pString, "extended_key_usage": pString, "subject_key_identifier": pString,
		"authority_key_identifier": pString, "subject_alternative_name": pString,
		"issuer_alternative_name": pString, "subject_directory_attributes": pString,
		"crl_distribution_points": pString, "inhibit_any_policy": pString,
		"private_key_usage_period_not_before": pTimestamp, "private_key_usage_period_not_after": pTimestamp,
		"certificate_policies": pString, "policy_mappings": pString,
	},
}

var scoSpecs = map[string]*typeSpec{
	"artifact": {idProps: []string{"hashes", "payload_bin"}, shape: shape{props: map[string]prop{
		"mime_type": pString, "payload_bin": pBinary, "url": pString, "hashes": pHashes,
		"encryption_algorithm": enum(enumEncryptionAlgorithm...), "decryption_key": pString},
		check: checkArtifact}},
	"autonomous-system": {idProps: []string{"number"}, shape: shape{required: []string{"number"}, props: map[string]prop{
		"number": pNonNeg, "name": pString, "rir": pString}}},
	"directory": {idProps: []string{"path"}, shape: shape{required: []string{"path"}, props: map[string]prop{
		"path": pString, "path_enc": pString, "ctime": pTimestamp, "mtime": pTimestamp, "atime": pTimestamp,
		"contains_refs": refs("file", "directory")}}},
	"domain-name": {idProps: []string{"value"}, shape: shape{required: []string{"value"}, props: map[string]prop{
		"value": pString, "resolves_to_refs": refs("ipv4-addr", "ipv6-addr", "domain-name")}}},
	"email-addr": {idProps: []string{"value"}, shape: shape{required: []string{"value"}, props: map[string]prop{
		"value": pString, "display_name": pString, "belongs_to_ref": ref("user-account")}}},
	"email-message": {idProps: []string{"from_ref", "subject", "body"}, shape: shape{required: []string{"is_multipart"}, props: map[string]prop{
		"is_multipart": pBool, "date": pTimestamp, "content_type": pString, "from_ref": ref("email-addr"),
		"sender_ref": ref("email-addr"), "to_refs": refs("email-addr"), "cc_refs": refs("email-addr"),
		"bcc_refs": refs("email-addr"), "message_id": pString, "subject": pString, "received_lines": pStrings,
		"additional_header_fields": pDict, "body": pString, "body_multipart": objects(mimePartShape),
		"raw_email_ref": ref("artifact")},
		check: checkEmailMessage}},
	"file": {idProps: []string{"hashes", "name", "extensions", "parent_directory_ref"}, shape: shape{props: map[string]prop{
		"hashes": pHashes, "size": pNonNeg, "name": pString, "name_enc": pString, "magic_number_hex": pHex,
		"mime_type": pString, "ctime": pTimestamp, "mtime": pTimestamp, "atime": pTimestamp,
		"parent_directory_ref": ref("directory"), "contains_refs": refs("SCO"), "content_ref": ref("artifact")},
		check: func(c *checker, v *value, p *path) {
			if v.get("hashes") == nil && v.get("name") == nil {
				c.errf(p, "a file needs hashes or name")
			}
		}},
		exts: map[string]*shape{
			"archive-ext": {required: []string{"contains_refs"}, props: map[string]prop{
				"contains_refs": refs("file", "directory"), "comment": pString}},
			"ntfs-ext": {atLeastOne: true, props: map[string]prop{
				"sid": pString, "alternate_data_streams": objects(alternateDataStreamShape)}},
			"pdf-ext": {atLeastOne: true, props: map[string]prop{
				"version": pString, "is_optimized": pBool, "document_info_dict": pDict,
				"pdfid0": pString, "pdfid1": pString}},
			"raster-image-ext": {atLeastOne: true, props: map[string]prop{
				"image_height": pNonNeg, "image_width": pNonNeg, "bits_per_pixel": pNonNeg, "exif_tags": pDict}},
			"windows-pebinary-ext": {required: []string{"pe_type"}, props: map[string]prop{
				"pe_type": ov(vocabWindowsPEType...), "imphash": pString, "machine_hex": pHex,
				"number_of_sections": pNonNeg, "time_date_stamp": pTimestamp, "pointer_to_symbol_table_hex": pHex,
				"number_of_symbols": pNonNeg, "size_of_optional_header": pNonNeg, "characteristics_hex": pHex,
				"file_header_hashes": pHashes, "optional_header": object(peOptionalHeaderShape),
				"sections": objects(peSectionShape)}},
		}},
	"ipv4-addr": {idProps: []string{"value"}, shape: shape{required: []string{"value"}, props: map[string]prop{
		"value": pString, "resolves_to_refs": refs("mac-addr"), "belongs_to_refs": refs("autonomous-system")},
		check: checkIPValue(4)}},
	"ipv6-addr": {idProps: []string{"value"}, shape: shape{required: []string{"value"}, props: map[string]prop{
		"value": pString, "resolves_to_refs": refs("mac-addr"), "belongs_to_refs": refs("autonomous-system")},
		check: checkIPValue(6)}},
	"mac-addr": {idProps: []string{"value"}, shape: shape{required: []string{"value"}, props: map[string]prop{
		"value": pString},
		check: func(c *checker, v *value, p *path) {
			if s := v.get("value"); s != nil && s.kind == kString && !isMAC(s.s) {
				q := p.child("value")
				c.errf(&q, "must be a MAC address in lowercase, colon-separated hexadecimal (00:00:ab:cd:ef:01)")
			}
		}}},
	"mutex": {idProps: []string{"name"}, shape: shape{required: []string{"name"}, props: map[string]prop{
		"name": pString}}},
	"network-traffic": {idProps: []string{"start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"},
		shape: shape{required: []string{"protocols"}, props: map[string]prop{
			"start": pTimestamp, "end": pTimestamp, "is_active": pBool, "src_ref": ref("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"),
			"dst_ref": ref("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"), "src_port": pPort, "dst_port": pPort,
			"protocols": pStrings, "src_byte_count": pNonNeg, "dst_byte_count": pNonNeg, "src_packets": pNonNeg,
			"dst_packets": pNonNeg, "ipfix": pDict, "src_payload_ref": ref("artifact"), "dst_payload_ref": ref("artifact"),
			"encapsulates_refs": refs("network-traffic"), "encapsulated_by_ref": ref("network-traffic")},
			check: checkNetworkTraffic},
		exts: map[string]*shape{
			"http-request-ext": {required: []string{"request_method", "request_value"}, props: map[string]prop{
				"request_method": pString, "request_value": pString, "request_version": pString,
				"request_header": pDict, "message_body_length": pNonNeg, "message_body_data_ref": ref("artifact")}},
			"icmp-ext": {required: []string{"icmp_type_hex", "icmp_code_hex"}, props: map[string]prop{
				"icmp_type_hex": pHex, "icmp_code_hex": pHex}},
			"socket-ext": {required: []string{"address_family"}, props: map[string]prop{
				"address_family": enum(enumNetworkSocketFamily...), "is_blocking": pBool, "is_listening": pBool,
				"options": pDict, "socket_type": enum(enumNetworkSocketType...), "socket_descriptor": pNonNeg,
				"socket_handle": pInt}},
			"tcp-ext": {atLeastOne: true, props: map[string]prop{"src_flags_hex": pHex, "dst_flags_hex": pHex}},
		}},
	"process": {shape: shape{props: map[string]prop{
		"is_hidden": pBool, "pid": pInt, "created_time": pTimestamp, "cwd": pString, "command_line": pString,
		"environment_variables": pDict, "opened_connection_refs": refs("network-traffic"),
		"creator_user_ref": ref("user-account"), "image_ref": ref("file"), "parent_ref": ref("process"),
		"child_refs": refs("process")},
		check: atLeastOneOwn("process")},
		exts: map[string]*shape{
			"windows-process-ext": {atLeastOne: true, props: map[string]prop{
				"aslr_enabled": pBool, "dep_enabled": pBool, "priority": pString, "owner_sid": pString,
				"window_title": pString, "startup_info": pDict, "integrity_level": enum(enumIntegrityLevel...)}},
			"windows-service-ext": {atLeastOne: true, props: map[string]prop{
				"service_name": pString, "descriptions": pStrings, "display_name": pString, "group_name": pString,
				"start_type": enum(enumServiceStartType...), "service_dll_refs": refs("file"),
				"service_type": enum(enumServiceType...), "service_status": enum(enumServiceStatus...)}},
		}},
	"software": {idProps: []string{"name", "cpe", "swid", "vendor", "version"}, shape: shape{required: []string{"name"}, props: map[string]prop{
		"name": pString, "cpe": pString, "swid": pString, "languages": pStrings, "vendor": pString, "version": pString}}},
	"url": {idProps: []string{"value"}, shape: shape{required: []string{"value"}, props: map[string]prop{
		"value": pString}}},
	"user-account": {idProps: []string{"account_type", "user_id", "account_login"}, shape: shape{props: map[string]prop{
		"user_id": pString, "credential": pString, "account_login": pString, "account_type": ov(vocabAccountType...),
		"display_name": pString, "is_service_account": pBool, "is_privileged": pBool, "can_escalate_privs": pBool,
		"is_disabled": pBool, "account_created": pTimestamp, "account_expires": pTimestamp,
		"credential_last_changed": pTimestamp, "account_first_login": pTimestamp, "account_last_login": pTimestamp},
		check: atLeastOneOwn("user-account")},
		exts: map[string]*shape{
			"unix-account-ext": {atLeastOne: true, props: map[string]prop{
				"gid": pInt, "groups": pStrings, "home_dir": pString, "shell": pString}},
		}},
	"windows-registry-key": {idProps: []string{"key", "values"}, shape: shape{props: map[string]prop{
		"key": pString, "values": objects(registryValueShape), "modified_time": pTimestamp,
		"creator_user_ref": ref("user-account"), "number_of_subkeys": pNonNeg},
		check: atLeastOneOwn("windows-registry-key")}},
	"x509-certificate": {idProps: []string{"hashes", "serial_number"}, shape: shape{props: map[string]prop{
		"is_self_signed": pBool, "hashes": pHashes, "version": pString, "serial_number": pString,
		"signature_algorithm": pString, "issuer": pString, "validity_not_before": pTimestamp,
		"validity_not_after": pTimestamp, "subject": pString, "subject_public_key_algorithm": pString,
		"subject_public_key_modulus": pString, "subject_public_key_exponent": pNonNeg,
		"x509_v3_extensions": object(x509ExtensionsShape)},
		check: func(c *checker, v *value, p *path) {
			atLeastOneOwn("x509-certificate")(c, v, p)
			c.order(v, p, "validity_not_before", "validity_not_after", false)
		}}},
}

// atLeastOneOwn requires an SCO to have at least one of the properties its
// type defines (or an extension), as process, user-account,
// windows-registry-key and x509-certificate must.
func atLeastOneOwn(typ string) func(c *checker, v *value, p *path) {
	return func(c *checker, v *value, p *path) {
		own := specs[typ].props
		for i := range v.obj {
			if _, ok := own[v.obj[i].key]; ok || v.obj[i].key == "extensions" {
				return
			}
		}
		c.errf(p, "a %s must have at least one property of its own type or an extension", typ)
	}
}

func checkArtifact(c *checker, v *value, p *path) {
	bin, url := v.get("payload_bin") != nil, v.get("url") != nil
	switch {
	case bin && url:
		q := p.child("url")
		c.errf(&q, "must not be present together with payload_bin")
	case !bin && !url:
		c.errf(p, "an artifact needs payload_bin or url")
	case url && v.get("hashes") == nil:
		q := p.child("hashes")
		c.errf(&q, "is required when url is present")
	}
	if v.get("decryption_key") != nil && v.get("encryption_algorithm") == nil {
		q := p.child("decryption_key")
		c.errf(&q, "must not be present without encryption_algorithm")
	}
}

func checkEmailMessage(c *checker, v *value, p *path) {
	m := v.get("is_multipart")
	if m == nil || m.kind != kBool {
		return
	}
	if m.b && v.get("body") != nil {
		q := p.child("body")
		c.errf(&q, "must not be present when is_multipart is true; use body_multipart")
	}
	if !m.b && v.get("body_multipart") != nil {
		q := p.child("body_multipart")
		c.errf(&q, "must not be present when is_multipart is false")
	}
}

func checkNetworkTraffic(c *checker, v *value, p *path) {
	if v.get("src_ref") == nil && v.get("dst_ref") == nil {
		c.errf(p, "a network-traffic needs src_ref or dst_ref")
	}
	if a := v.get("is_active"); a != nil && a.kind == kBool && a.b && v.get("end") != nil {
		q := p.child("end")
		c.errf(&q, "must not be present when is_active is true")
	}
	c.order(v, p, "start", "end", false)
	if pr := v.get("protocols"); pr != nil && pr.kind == kArray {
		for i := range pr.arr {
			if pr.arr[i].kind == kString && strings.ToLower(pr.arr[i].s) != pr.arr[i].s {
				q := p.child("protocols")
				r := q.at(i)
				c.warnf(&r, "protocol names should be lowercase")
			}
		}
	}
}

// checkIPValue checks an ipv4-addr or ipv6-addr value: an address or a
// CIDR block of the right family.
func checkIPValue(family int) func(c *checker, v *value, p *path) {
	return func(c *checker, v *value, p *path) {
		s := v.get("value")
		if s == nil || s.kind != kString {
			return
		}
		q := p.child("value")
		var addr netip.Addr
		var err error
		if strings.Contains(s.s, "/") {
			var pfx netip.Prefix
			pfx, err = netip.ParsePrefix(s.s)
			addr = pfx.Addr()
		} else {
			addr, err = netip.ParseAddr(s.s)
		}
		switch {
		case err != nil:
			c.errf(&q, "is not an IPv%d address or CIDR block: %v", family, err)
		case family == 4 && !addr.Is4():
			c.errf(&q, "is not an IPv4 address or CIDR block")
		case family == 6 && (!addr.Is6() || addr.Zone() != ""):
			c.errf(&q, "is not an IPv6 address or CIDR block")
		}
	}
}

// isMAC checks the lowercase colon-separated form STIX requires.
func isMAC(s string) bool {
	if len(s) != 17 {
		return false
	}
	for i := 0; i < 17; i++ {
		c := s[i]
		if i%3 == 2 {
			if c != ':' {
				return false
			}
		} else if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
