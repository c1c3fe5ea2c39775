package deviations

import "slices"

// Types of a deviation report (typ). The routine asks staff to report both what went wrong
// and the risk that it would ("avvikelser och risk för avvikelser"); what happened is the
// area, not the type.
const (
	TypeDeviation = "deviation" // avvikelse: something departed from the agreed care
	TypeRisk      = "risk"      // risk för avvikelse: it nearly did, or could
	TypeComplaint = "complaint" // klagomål: the client or their family reports it
)

// Types are the stable codes of the types, in the order a form shows them.
var Types = []string{TypeDeviation, TypeRisk, TypeComplaint}

// Activities (verksamhet): the law the care was given under. HSL is chosen when the event
// belongs to health care; otherwise the unit's own (SoL, or LSS for disability support).
const (
	ActivitySoL = "SoL" // socialtjänstlagen: home help, housing
	ActivityHSL = "HSL" // hälso- och sjukvårdslagen: home health care
	ActivityLSS = "LSS" // lagen om stöd och service till vissa funktionshindrade
)

// Activities are the activity codes.
var Activities = []string{ActivitySoL, ActivityHSL, ActivityLSS}

// Areas (område) say what happened; which areas a form offers depends on the activity.
// The codes are stable: statistics are drawn from them.
var Areas = map[string][]string{
	ActivitySoL: {
		"fall",                 // fall
		"missed_visit",         // utebliven insats
		"late_visit",           // försenad insats
		"care_not_as_planned",  // insats ej enligt genomförandeplan
		"treatment",            // bemötande
		"information_transfer", // informationsöverföring
		"documentation",        // dokumentation
		"keys",                 // nyckelhantering
		"security_alarm",       // trygghetslarm
		"property",             // förlorad eller skadad egendom
		"violence_or_threat",   // hot och våld
		"other",                // övrigt
	},
	ActivityHSL: {
		"fall",                 // fall
		"medication",           // läkemedel
		"delegated_task",       // delegerad hälso- och sjukvårdsinsats
		"pressure_ulcer",       // trycksår
		"medical_device",       // medicinteknisk produkt, hjälpmedel
		"infection",            // vårdrelaterad infektion
		"nutrition",            // nutrition
		"information_transfer", // informationsöverföring
		"documentation",        // dokumentation
		"other",                // övrigt
	},
	ActivityLSS: {
		"fall",                 // fall
		"missed_visit",         // utebliven insats
		"late_visit",           // försenad insats
		"care_not_as_planned",  // insats ej enligt genomförandeplan
		"treatment",            // bemötande
		"information_transfer", // informationsöverföring
		"documentation",        // dokumentation
		"keys",                 // nyckelhantering
		"property",             // förlorad eller skadad egendom
		"violence_or_threat",   // hot och våld
		"restraint",            // begränsningsåtgärd
		"other",                // övrigt
	},
}

// Professions (yrkesgrupper) that can be involved in an event; several may be.
var Professions = []string{
	"care_staff",             // omvårdnadspersonal, undersköterska, vårdbiträde
	"specialist_care_staff",  // specialistundersköterska
	"nurse",                  // sjuksköterska
	"occupational_therapist", // arbetsterapeut
	"physiotherapist",        // fysioterapeut
	"physician",              // läkare
	"coordinator",            // samordnare
	"manager",                // chef
	"case_officer",           // biståndshandläggare
	"other",                  // annan
}

// Lex Sarah / lex Maria assessments of an analysis.
const (
	LexNone  = "none"      // ingen anmälan
	LexSarah = "lex_sarah" // missförhållande i socialtjänsten (SoL 14 kap.)
	LexMaria = "lex_maria" // vårdskada i hälso- och sjukvården (PSL 3 kap.)
)

// LexAssessments are the codes of the lex Sarah / lex Maria assessment.
var LexAssessments = []string{LexNone, LexSarah, LexMaria}

// Statuses of an analysis.
const (
	StatusInvestigating = "investigating" // under utredning
	StatusClosed        = "closed"        // avslutad
)

// AnalysisStatuses are the statuses an analysis can be saved with.
var AnalysisStatuses = []string{StatusInvestigating, StatusClosed}

func areaOf(activity, area string) bool { return slices.Contains(Areas[activity], area) }
