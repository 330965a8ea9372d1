package stix

// Nested types of the SCOs and their extensions (STIX 2.1 chapter 6).

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
	props:      map[string]prop{"name": pString, "data": pString, "data_type": enum(enumRegistryDatatype...)},
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
