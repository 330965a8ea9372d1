package stix

var pPort = intRange(0, 65535)

var scoSpecs = map[string]*typeSpec{
	"artifact": {idProps: []string{"hashes", "payload_bin"}, shape: shape{props: map[string]prop{
		"mime_type": pString, "payload_bin": pBinary, "url": pURI, "hashes": pHashes,
		"encryption_algorithm": enum(enumEncryptionAlgorithm...), "decryption_key": pString},
		check: checkArtifact}},
	"autonomous-system": {idProps: []string{"number"}, shape: shape{required: []string{"number"}, props: map[string]prop{
		"number": pNonNeg, "name": pString, "rir": pString}}},
	"directory": {idProps: []string{"path"}, shape: shape{required: []string{"path"}, props: map[string]prop{
		"path": pString, "path_enc": pCharset, "ctime": pTimestamp, "mtime": pTimestamp, "atime": pTimestamp,
		"contains_refs": refs("file", "directory")}}},
	"domain-name": {idProps: []string{"value"}, shape: shape{required: []string{"value"}, props: map[string]prop{
		"value": pString, "resolves_to_refs": refs("ipv4-addr", "ipv6-addr", "domain-name")},
		check: checkDomainValue}},
	"email-addr": {idProps: []string{"value"}, shape: shape{required: []string{"value"}, props: map[string]prop{
		"value": pString, "display_name": pString, "belongs_to_ref": ref("user-account")},
		check: checkEmailValue}},
	"email-message": {idProps: []string{"from_ref", "subject", "body"}, shape: shape{required: []string{"is_multipart"}, props: map[string]prop{
		"is_multipart": pBool, "date": pTimestamp, "content_type": pString, "from_ref": ref("email-addr"),
		"sender_ref": ref("email-addr"), "to_refs": refs("email-addr"), "cc_refs": refs("email-addr"),
		"bcc_refs": refs("email-addr"), "message_id": pString, "subject": pString, "received_lines": pStrings,
		"additional_header_fields": pDict, "body": pString, "body_multipart": objects(mimePartShape),
		"raw_email_ref": ref("artifact")},
		check: checkEmailMessage}},
	"file": {idProps: []string{"hashes", "name", "extensions", "parent_directory_ref"}, shape: shape{props: map[string]prop{
		"hashes": pHashes, "size": pNonNeg, "name": pString, "name_enc": pCharset, "magic_number_hex": pHex,
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
				"number_of_sections": pNonNeg, "time_date_stamp": pSecondTimestamp, "pointer_to_symbol_table_hex": pHex,
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
		"name": pString, "cpe": pString, "swid": pString, "languages": {kind: tLanguages}, "vendor": pString, "version": pString},
		check: checkCPE}},
	"url": {idProps: []string{"value"}, shape: shape{required: []string{"value"}, props: map[string]prop{
		"value": pURI}}},
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
		check: checkRegistryKey}},
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
