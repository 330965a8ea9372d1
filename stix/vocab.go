package stix

// Open vocabularies of STIX 2.1 section 10 used by the SDOs.
var (
	vocabAttackMotivation = []string{"accidental", "coercion", "dominance", "ideology", "notoriety",
		"organizational-gain", "personal-gain", "personal-satisfaction", "revenge", "unpredictable"}
	vocabAttackResourceLevel = []string{"individual", "club", "contest", "team", "organization", "government"}
	vocabGroupingContext     = []string{"suspicious-activity", "malware-analysis", "unspecified"}
	vocabIdentityClass       = []string{"individual", "group", "system", "organization", "class", "unknown"}
	vocabIndicatorType       = []string{"anomalous-activity", "anonymization", "benign", "compromised",
		"malicious-activity", "attribution", "unknown"}
	vocabInfrastructureType = []string{"amplification", "anonymization", "botnet", "command-and-control",
		"control-system", "exfiltration", "firewall", "hosting-malware", "hosting-target-lists", "phishing",
		"reconnaissance", "routers-switches", "staging", "workstation", "unknown"}
	vocabMalwareType = []string{"adware", "backdoor", "bot", "bootkit", "ddos", "downloader", "dropper",
		"exploit-kit", "keylogger", "ransomware", "remote-access-trojan", "resource-exploitation",
		"rogue-security-software", "rootkit", "screen-capture", "spyware", "trojan", "unknown", "virus",
		"webshell", "wiper", "worm"}
	vocabMalwareResult = []string{"malicious", "suspicious", "benign", "unknown"}
	vocabPatternType   = []string{"stix", "pcre", "sigma", "snort", "suricata", "yara"}
	vocabRegion        = []string{"africa", "eastern-africa", "middle-africa", "northern-africa",
		"southern-africa", "western-africa", "americas", "latin-america-caribbean", "south-america",
		"caribbean", "central-america", "northern-america", "asia", "central-asia", "eastern-asia",
		"southern-asia", "south-eastern-asia", "western-asia", "europe", "eastern-europe",
		"northern-europe", "southern-europe", "western-europe", "oceania", "antarctica",
		"australia-new-zealand", "melanesia", "micronesia", "polynesia"}
	vocabReportType = []string{"attack-pattern", "campaign", "identity", "indicator", "intrusion-set",
		"malware", "observed-data", "threat-actor", "threat-report", "tool", "vulnerability"}
	vocabThreatActorType = []string{"activist", "competitor", "crime-syndicate", "criminal", "hacker",
		"insider-accidental", "insider-disgruntled", "nation-state", "sensationalist", "spy", "terrorist", "unknown"}
	vocabThreatActorRole = []string{"agent", "director", "independent", "infrastructure-architect",
		"infrastructure-operator", "malware-author", "sponsor"}
	vocabThreatActorSophistication = []string{"none", "minimal", "intermediate", "advanced", "expert",
		"innovator", "strategic"}
	vocabToolType = []string{"denial-of-service", "exploitation", "information-gathering",
		"network-capture", "credential-exploitation", "remote-access", "vulnerability-scanning", "unknown"}
	vocabOpinion = []string{"strongly-disagree", "disagree", "neutral", "agree", "strongly-agree"}
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

// Further open vocabularies of STIX 2.1 section 10.
var (
	vocabIndustrySector = []string{"agriculture", "aerospace", "automotive", "chemical", "commercial",
		"communications", "construction", "defense", "education", "energy", "entertainment",
		"financial-services", "government", "government-emergency-services", "government-local",
		"government-national", "government-public-services", "government-regional", "healthcare",
		"hospitality-leisure", "infrastructure", "infrastructure-dams", "infrastructure-nuclear",
		"infrastructure-water", "insurance", "manufacturing", "mining", "non-profit", "pharmaceuticals",
		"retail", "technology", "telecommunications", "transportation", "utilities"}
	vocabImplementationLanguage = []string{"applescript", "bash", "c", "c++", "c#", "go", "java",
		"javascript", "lua", "objective-c", "perl", "php", "powershell", "python", "ruby", "scala", "swift",
		"typescript", "visual-basic", "x86-32", "x86-64"}
	vocabProcessorArchitecture = []string{"alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64"}
	vocabMalwareCapabilities   = []string{"accesses-remote-machines", "anti-debugging", "anti-disassembly",
		"anti-emulation", "anti-memory-forensics", "anti-sandbox", "anti-vm", "captures-input-peripherals",
		"captures-output-peripherals", "captures-system-state-data", "cleans-traces-of-infection",
		"commits-fraud", "communicates-with-c2", "compromises-data-availability",
		"compromises-data-integrity", "compromises-system-availability", "controls-local-machine",
		"degrades-security-software", "degrades-system-updates", "determines-c2-server", "emails-spam",
		"escalates-privileges", "evades-av", "exfiltrates-data", "fingerprints-host", "hides-artifacts",
		"hides-executing-code", "infects-files", "infects-remote-machines", "installs-other-components",
		"persists-after-system-reboot", "prevents-artifact-access", "prevents-artifact-deletion",
		"probes-network-environment", "self-modifies", "steals-authentication-credentials",
		"violates-system-operational-integrity"}
)
