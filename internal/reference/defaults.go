package reference

// Defaults are the lists a municipality starts with (Seed puts them); an administrator
// changes them with reference.list.save. ListID and MunicipalityID are set by Seed.
func Defaults() []List {
	return []List{
		{Kind: KindKeywords, Items: []Item{ // nyckelord
			{Code: "personal_care", LabelSV: "Personlig omvårdnad", LabelEN: "Personal care"},
			{Code: "meal", LabelSV: "Måltid", LabelEN: "Meal"},
			{Code: "health", LabelSV: "Hälsa", LabelEN: "Health"},
			{Code: "activity", LabelSV: "Aktivitet", LabelEN: "Activity"},
			{Code: "social", LabelSV: "Social samvaro", LabelEN: "Social contact"},
			{Code: "cleaning", LabelSV: "Städning", LabelEN: "Cleaning"},
			{Code: "laundry", LabelSV: "Tvätt", LabelEN: "Laundry"},
			{Code: "shopping", LabelSV: "Inköp", LabelEN: "Shopping"},
			{Code: "medication", LabelSV: "Läkemedel", LabelEN: "Medication"},
			{Code: "sleep", LabelSV: "Sömn", LabelEN: "Sleep"},
			{Code: "safety", LabelSV: "Trygghet", LabelEN: "Safety"},
			{Code: "mobility", LabelSV: "Förflyttning", LabelEN: "Mobility"},
			{Code: "relatives", LabelSV: "Kontakt med närstående", LabelEN: "Contact with relatives"},
			{Code: "plan_made", LabelSV: "Genomförandeplan upprättad", LabelEN: "Implementation plan made"},
			{Code: "plan_followed_up", LabelSV: "Genomförandeplan uppföljd", LabelEN: "Implementation plan followed up"},
		}},
		{Kind: KindPhraseTexts, Items: []Item{ // frastexter
			{Code: "no_remarks", LabelSV: "Besöket genomfört enligt genomförandeplanen, inget att anmärka.", LabelEN: "Visit carried out as planned, nothing to remark."},
			{Code: "good_mood", LabelSV: "Brukaren var på gott humör.", LabelEN: "The client was in good spirits."},
			{Code: "shower", LabelSV: "Hjälp med dusch enligt genomförandeplanen.", LabelEN: "Helped with a shower as planned."},
			{Code: "ate_all", LabelSV: "Brukaren åt hela måltiden.", LabelEN: "The client ate the whole meal."},
			{Code: "ate_little", LabelSV: "Brukaren åt lite av måltiden.", LabelEN: "The client ate little of the meal."},
			{Code: "declined", LabelSV: "Brukaren avböjde insatsen.", LabelEN: "The client declined the measure."},
			{Code: "nurse_contacted", LabelSV: "Kontakt tagen med sjuksköterska.", LabelEN: "Contacted the nurse."},
			{Code: "relative_contacted", LabelSV: "Kontakt tagen med närstående.", LabelEN: "Contacted a relative."},
			{Code: "alarm_tested", LabelSV: "Trygghetslarmet testat och fungerar.", LabelEN: "The safety alarm was tested and works."},
			{Code: "shopping_done", LabelSV: "Inköp gjorda enligt inköpslistan.", LabelEN: "Shopping done from the list."},
		}},
		{Kind: KindMeasureKinds, Items: []Item{ // delegerade insatser på signeringslistor
			{Code: "medication", LabelSV: "Läkemedel", LabelEN: "Medication"},
			{Code: "insulin", LabelSV: "Insulin", LabelEN: "Insulin"},
			{Code: "wound_care", LabelSV: "Såromläggning", LabelEN: "Wound care"},
			{Code: "eye_drops", LabelSV: "Ögondroppar", LabelEN: "Eye drops"},
			{Code: "compression_stockings", LabelSV: "Stödstrumpor", LabelEN: "Compression stockings"},
			{Code: "inhalation", LabelSV: "Inhalation", LabelEN: "Inhalation"},
			{Code: "ointment", LabelSV: "Insmörjning med salva", LabelEN: "Ointment"},
			{Code: "blood_glucose", LabelSV: "Blodsockerkontroll", LabelEN: "Blood glucose check"},
			{Code: "stoma_care", LabelSV: "Stomivård", LabelEN: "Stoma care"},
			{Code: "catheter_care", LabelSV: "Kateterskötsel", LabelEN: "Catheter care"},
		}},
		// The codes are those deviation.report accepts (internal/deviations); a test keeps
		// the two the same.
		{Kind: KindDeviationTypes, Items: []Item{ // avvikelsetyp
			{Code: "deviation", LabelSV: "Avvikelse", LabelEN: "Deviation"},
			{Code: "risk", LabelSV: "Risk för avvikelse", LabelEN: "Risk of a deviation"},
			{Code: "complaint", LabelSV: "Klagomål", LabelEN: "Complaint"},
		}},
		{Kind: KindDeviationAreas, Items: deviationAreas()},
		{Kind: KindNotGivenReasons, Items: []Item{ // orsak till att en insats inte gavs
			{Code: "declined", LabelSV: "Brukaren avböjde", LabelEN: "The client declined"},
			{Code: "asleep", LabelSV: "Brukaren sov", LabelEN: "The client was asleep"},
			{Code: "medicine_missing", LabelSV: "Läkemedel saknades", LabelEN: "The medicine was missing"},
			{Code: "not_home", LabelSV: "Brukaren inte hemma", LabelEN: "The client was not at home"},
			{Code: "in_hospital", LabelSV: "Brukaren på sjukhus", LabelEN: "The client is in hospital"},
			{Code: "other", LabelSV: "Annat", LabelEN: "Other"},
		}},
		// The codes are those of assignments.EndReasons, which the authority's deliveries use.
		{Kind: KindEndReasons, Items: []Item{ // avslutsorsak för insats
			{Code: "no_longer_needed", LabelSV: "Behov upphört", LabelEN: "No longer needed"},
			{Code: "deceased", LabelSV: "Avliden", LabelEN: "Deceased"},
			{Code: "moved", LabelSV: "Flyttat", LabelEN: "Moved away"},
			{Code: "other_provider", LabelSV: "Annan utförare", LabelEN: "Another provider"},
			{Code: "hospital", LabelSV: "Sjukhusvistelse", LabelEN: "In hospital"},
			{Code: "other", LabelSV: "Annat", LabelEN: "Other"},
		}},
	}
}

// areaLabels name the deviation areas (område) in Swedish and English.
var areaLabels = map[string][2]string{
	"fall":                 {"Fall", "Fall"},
	"missed_visit":         {"Utebliven insats", "Missed visit"},
	"late_visit":           {"Försenad insats", "Late visit"},
	"care_not_as_planned":  {"Insats ej enligt genomförandeplan", "Care not as planned"},
	"treatment":            {"Bemötande", "Treatment of the client"},
	"information_transfer": {"Informationsöverföring", "Information transfer"},
	"documentation":        {"Dokumentation", "Documentation"},
	"keys":                 {"Nyckelhantering", "Keys"},
	"security_alarm":       {"Trygghetslarm", "Safety alarm"},
	"property":             {"Förlorad eller skadad egendom", "Lost or damaged property"},
	"violence_or_threat":   {"Hot och våld", "Threats and violence"},
	"medication":           {"Läkemedel", "Medication"},
	"delegated_task":       {"Delegerad hälso- och sjukvårdsinsats", "Delegated health-care task"},
	"pressure_ulcer":       {"Trycksår", "Pressure ulcer"},
	"medical_device":       {"Medicinteknisk produkt, hjälpmedel", "Medical device or aid"},
	"infection":            {"Vårdrelaterad infektion", "Healthcare-associated infection"},
	"nutrition":            {"Nutrition", "Nutrition"},
	"restraint":            {"Begränsningsåtgärd", "Restraint"},
	"other":                {"Övrigt", "Other"},
}

// areaOrder lists, per activity, the areas deviation.report accepts, in form order.
var areaOrder = []struct {
	activity string
	codes    []string
}{
	{"SoL", []string{"fall", "missed_visit", "late_visit", "care_not_as_planned", "treatment", "information_transfer", "documentation", "keys", "security_alarm", "property", "violence_or_threat", "other"}},
	{"HSL", []string{"fall", "medication", "delegated_task", "pressure_ulcer", "medical_device", "infection", "nutrition", "information_transfer", "documentation", "other"}},
	{"LSS", []string{"fall", "missed_visit", "late_visit", "care_not_as_planned", "treatment", "information_transfer", "documentation", "keys", "property", "violence_or_threat", "restraint", "other"}},
}

func deviationAreas() []Item {
	var items []Item
	for _, a := range areaOrder {
		for _, code := range a.codes {
			l := areaLabels[code]
			items = append(items, Item{Code: code, LabelSV: l[0], LabelEN: l[1], Activity: a.activity})
		}
	}
	return items
}
